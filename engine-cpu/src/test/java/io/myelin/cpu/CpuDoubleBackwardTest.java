package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.DoubleBackwardConformanceTest;

/** The double-backward conformance suite on the CPU backend. */
class CpuDoubleBackwardTest extends DoubleBackwardConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
