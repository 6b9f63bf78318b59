package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.ConvolutionConformanceTest;

/** The convolution and pooling conformance suite on the CPU backend. */
class CpuConvolutionTest extends ConvolutionConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
