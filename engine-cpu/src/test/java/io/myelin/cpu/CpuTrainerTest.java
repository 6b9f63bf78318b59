package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TrainerConformanceTest;

/** The Trainer suite on the CPU backend. */
class CpuTrainerTest extends TrainerConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
