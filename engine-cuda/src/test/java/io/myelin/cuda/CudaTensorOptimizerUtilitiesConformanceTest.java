package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.OptimizerUtilitiesConformanceTest;

/** The tensor-level OptimizerUtilities conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorOptimizerUtilitiesConformanceTest extends OptimizerUtilitiesConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
