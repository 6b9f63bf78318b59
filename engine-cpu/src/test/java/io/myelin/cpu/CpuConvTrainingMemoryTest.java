package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.ConvTrainingMemoryConformanceTest;

/**
 * Memory flatness of a convolutional training run (200 steps) on the CPU backend, whose array pool
 * also means no new array after the first epoch.
 */
class CpuConvTrainingMemoryTest extends ConvTrainingMemoryConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }

  @Override
  protected boolean allocatorCaches() {
    return true;
  }
}
