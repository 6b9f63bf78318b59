package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.MemoryConformanceTest;

/** The tensor-level Memory conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorMemoryConformanceTest extends MemoryConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
