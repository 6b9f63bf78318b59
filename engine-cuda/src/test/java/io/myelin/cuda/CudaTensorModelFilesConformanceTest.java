package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.ModelFilesConformanceTest;

/** The ModelFiles conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorModelFilesConformanceTest extends ModelFilesConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
