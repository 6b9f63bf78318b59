package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.NnLayersConformanceTest;

/** The NnLayers conformance suite on the CPU backend. */
class CpuNnLayersTest extends NnLayersConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
