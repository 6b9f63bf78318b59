package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.OptimizerConformanceTest;

/** The tensor-level Optimizer conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorOptimizerConformanceTest extends OptimizerConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
