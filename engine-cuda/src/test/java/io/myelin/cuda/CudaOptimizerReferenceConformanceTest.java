package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.testing.OptimizerReferenceConformanceTest;

/**
 * optim.cu's kernels against the tensor-op reference on cuda:0 (skipped without a GPU); nvcc may
 * contract multiply-adds, so a few ulps of the dtype are allowed.
 */
class CudaOptimizerReferenceConformanceTest extends OptimizerReferenceConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }

  @Override
  protected double tolerance(DType dtype) {
    return dtype == DType.FLOAT32 ? 1e-5 : 1e-12;
  }
}
