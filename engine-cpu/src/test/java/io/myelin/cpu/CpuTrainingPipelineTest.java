package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TrainingPipelineConformanceTest;

/** The training-pipeline equality suite on the CPU, whose backend records and replays graphs. */
class CpuTrainingPipelineTest extends TrainingPipelineConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }

  @Override
  protected boolean supportsCapture() {
    return true;
  }
}
