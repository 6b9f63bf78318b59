package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.NormalizationConformanceTest;

/** The normalization conformance suite on the CPU backend. */
class CpuNormalizationTest extends NormalizationConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
