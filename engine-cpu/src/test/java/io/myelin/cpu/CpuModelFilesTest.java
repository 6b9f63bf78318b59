package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.ModelFilesConformanceTest;

/** The ModelFiles conformance suite on the CPU backend. */
class CpuModelFilesTest extends ModelFilesConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
