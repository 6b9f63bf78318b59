package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.LossConformanceTest;

/** The Loss conformance suite on the CPU backend. */
class CpuNnLossTest extends LossConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
