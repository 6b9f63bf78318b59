package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.TrainingConformanceTest;

/** The tensor-level Training conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorTrainingConformanceTest extends TrainingConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
