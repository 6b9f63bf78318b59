package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.ConvForwardModeConformanceTest;

/** Forward mode through the CNN ops on the CPU backend. */
class CpuConvForwardModeTest extends ConvForwardModeConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
