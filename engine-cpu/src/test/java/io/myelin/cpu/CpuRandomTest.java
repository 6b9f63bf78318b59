package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.RandomConformanceTest;

/** The random conformance suite on the CPU backend. */
class CpuRandomTest extends RandomConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
