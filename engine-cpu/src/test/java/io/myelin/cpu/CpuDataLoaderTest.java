package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.DataLoaderConformanceTest;

/** The DataLoader conformance suite on the CPU backend. */
class CpuDataLoaderTest extends DataLoaderConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
