package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.NewtonCGConformanceTest;

/** The Newton-CG conformance suite on the CPU backend. */
class CpuNewtonCGTest extends NewtonCGConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
