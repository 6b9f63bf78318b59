package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.TrainingStepConformanceTest;

/** The TrainingStep suite on cuda:0 - CUDA graphs against eager steps (skipped without a GPU). */
class CudaTrainingStepConformanceTest extends TrainingStepConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
