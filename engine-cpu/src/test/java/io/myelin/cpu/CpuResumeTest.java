package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.ResumeConformanceTest;

/** Resuming from a checkpoint on the CPU backend: bit-for-bit equal to the uninterrupted run. */
class CpuResumeTest extends ResumeConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
