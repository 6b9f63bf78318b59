package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.DataLoaderConformanceTest;

/** The tensor-level DataLoader conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorDataLoaderConformanceTest extends DataLoaderConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
