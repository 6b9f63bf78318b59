package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.NnTrainingConformanceTest;

/** The NnTraining conformance suite on the CPU backend. */
class CpuNnTrainingTest extends NnTrainingConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
