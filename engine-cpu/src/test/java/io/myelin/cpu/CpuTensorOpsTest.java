package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TensorOpsConformanceTest;

/** The TensorOps conformance suite on the CPU backend. */
class CpuTensorOpsTest extends TensorOpsConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
