package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.ElementwiseConformanceTest;

/** The elementwise conformance suite on the CPU backend. */
class CpuElementwiseTest extends ElementwiseConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
