package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.NewtonCGConformanceTest;

/** The Newton-CG conformance suite on cuda:0 (skipped without a GPU). */
class CudaNewtonCGConformanceTest extends NewtonCGConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
