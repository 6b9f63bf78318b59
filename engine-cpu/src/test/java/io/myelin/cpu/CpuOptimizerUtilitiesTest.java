package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.OptimizerUtilitiesConformanceTest;

/** Clipping, parameter vectors and the full-batch optimizers on the CPU. */
class CpuOptimizerUtilitiesTest extends OptimizerUtilitiesConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
