package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.AutogradConformanceTest;

/** The Autograd conformance suite on the CPU backend. */
class CpuAutogradTest extends AutogradConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
