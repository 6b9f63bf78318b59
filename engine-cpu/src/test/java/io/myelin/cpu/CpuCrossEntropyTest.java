package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.CrossEntropyConformanceTest;

/** The crossentropy conformance suite on the CPU backend. */
class CpuCrossEntropyTest extends CrossEntropyConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
