package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.ForwardModeConformanceTest;

/** The forward-mode conformance suite on cuda:0 (skipped without a GPU). */
class CudaForwardModeConformanceTest extends ForwardModeConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
