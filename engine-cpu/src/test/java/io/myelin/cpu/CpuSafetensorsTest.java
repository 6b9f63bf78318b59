package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.SafetensorsConformanceTest;

/** The Safetensors conformance suite on the CPU backend. */
class CpuSafetensorsTest extends SafetensorsConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
