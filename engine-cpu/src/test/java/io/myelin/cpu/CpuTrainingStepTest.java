package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TrainingStepConformanceTest;

/** The TrainingStep suite on the CPU backend (which captures by recording its calls). */
class CpuTrainingStepTest extends TrainingStepConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
