package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.ConvolutionOpsConformanceTest;

/**
 * The tensor-level convolution and pooling op conformance suite on cuda:0 (skipped without a GPU).
 */
class CudaTensorConvolutionOpsConformanceTest extends ConvolutionOpsConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
