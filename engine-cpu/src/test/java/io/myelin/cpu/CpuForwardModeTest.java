package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.ForwardModeConformanceTest;

/** The forward-mode conformance suite on the CPU backend. */
class CpuForwardModeTest extends ForwardModeConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
