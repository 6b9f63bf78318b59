package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.MemoryConformanceTest;

/** The tensor-level memory suite (scopes, close, Cleaner) on the CPU backend. */
class CpuTensorMemoryTest extends MemoryConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
