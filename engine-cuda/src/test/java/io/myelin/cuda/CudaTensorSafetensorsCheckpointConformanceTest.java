package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.SafetensorsCheckpointConformanceTest;

/** The tensor-level SafetensorsCheckpoint conformance suite on cuda:0 (skipped without a GPU). */
class CudaTensorSafetensorsCheckpointConformanceTest extends SafetensorsCheckpointConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }
}
