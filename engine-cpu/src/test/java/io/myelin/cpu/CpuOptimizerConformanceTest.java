package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.OptimizerConformanceTest;

/** The optimizer suite on the CPU. */
class CpuOptimizerConformanceTest extends OptimizerConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
