package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TrainingMemoryConformanceTest;

/**
 * Memory flatness of a training run on the CPU backend, whose array pool also means no new array
 * after the first epoch.
 */
class CpuTrainingMemoryTest extends TrainingMemoryConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }

  @Override
  protected boolean allocatorCaches() {
    return true;
  }
}
