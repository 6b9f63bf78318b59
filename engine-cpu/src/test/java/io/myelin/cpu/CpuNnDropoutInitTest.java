package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.NnDropoutInitConformanceTest;

/** The NnDropoutInit conformance suite on the CPU backend. */
class CpuNnDropoutInitTest extends NnDropoutInitConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
