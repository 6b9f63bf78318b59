package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.SafetensorsConformanceTest;

/** The tensor-level Safetensors conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorSafetensorsConformanceTest extends SafetensorsConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
