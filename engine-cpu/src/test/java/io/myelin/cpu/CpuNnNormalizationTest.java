package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.NnNormalizationConformanceTest;

/** The NnNormalization conformance suite on the CPU backend. */
class CpuNnNormalizationTest extends NnNormalizationConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
