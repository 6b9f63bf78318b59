package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.HessianConformanceTest;

/** The Hessian (forward over reverse) conformance suite on the CPU backend. */
class CpuHessianTest extends HessianConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
