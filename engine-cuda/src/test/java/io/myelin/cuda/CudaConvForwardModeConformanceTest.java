package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.ConvForwardModeConformanceTest;

/** Forward mode through the CNN ops on cuda:0 (skipped without a GPU). */
class CudaConvForwardModeConformanceTest extends ConvForwardModeConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
