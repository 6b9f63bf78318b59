package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TrainingConformanceTest;

/** The Training conformance suite on the CPU backend. */
class CpuTrainingTest extends TrainingConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
