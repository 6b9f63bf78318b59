package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.testing.OptimizerReferenceConformanceTest;

/** The CPU's fused optimizer updates equal the tensor-op reference bit for bit. */
class CpuOptimizerReferenceTest extends OptimizerReferenceConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }

  @Override
  protected double tolerance(DType dtype) {
    return 0;
  }
}
