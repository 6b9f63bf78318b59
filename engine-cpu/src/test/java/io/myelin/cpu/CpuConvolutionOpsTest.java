package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.ConvolutionOpsConformanceTest;

/** The convolution and pooling op conformance suite on the CPU backend. */
class CpuConvolutionOpsTest extends ConvolutionOpsConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
