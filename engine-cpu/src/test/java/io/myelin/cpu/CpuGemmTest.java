package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.GemmConformanceTest;

/** The gemm conformance suite on the CPU backend. */
class CpuGemmTest extends GemmConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
