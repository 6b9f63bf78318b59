package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.MemoryConformanceTest;

/** The Memory conformance suite on the CPU backend. */
class CpuMemoryTest extends MemoryConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
