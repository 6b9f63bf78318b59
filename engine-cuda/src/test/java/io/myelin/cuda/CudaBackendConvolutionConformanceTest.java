package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.ConvolutionConformanceTest;

/**
 * The primitive-level convolution and pooling conformance suite on cuda:0 (skipped without a GPU).
 */
class CudaBackendConvolutionConformanceTest extends ConvolutionConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
