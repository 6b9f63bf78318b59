package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.HessianConformanceTest;

/** The Hessian (forward over reverse) conformance suite on cuda:0 (skipped without a GPU). */
class CudaHessianConformanceTest extends HessianConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
