package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TrainingMemoryConformanceTest;

/** Memory flatness of a training run on the CPU backend. */
class CpuTrainingMemoryTest extends TrainingMemoryConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
