package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.DoubleBackwardConformanceTest;

/** The double-backward conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorDoubleBackwardConformanceTest extends DoubleBackwardConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
