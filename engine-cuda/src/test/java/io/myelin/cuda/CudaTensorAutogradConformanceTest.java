package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.AutogradConformanceTest;

/** The tensor-level Autograd conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorAutogradConformanceTest extends AutogradConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
