package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.ReduceConformanceTest;

/** The reduce conformance suite on the CPU backend. */
class CpuReduceTest extends ReduceConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
