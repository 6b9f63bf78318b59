package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.TensorOpsConformanceTest;

/** The tensor-level TensorOps conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorTensorOpsConformanceTest extends TensorOpsConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
