package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.DropoutConformanceTest;

/** The dropout conformance suite on the CPU backend. */
class CpuDropoutTest extends DropoutConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
