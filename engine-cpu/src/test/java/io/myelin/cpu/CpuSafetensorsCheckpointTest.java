package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.SafetensorsCheckpointConformanceTest;

/** The SafetensorsCheckpoint conformance suite on the CPU backend. */
class CpuSafetensorsCheckpointTest extends SafetensorsCheckpointConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }
}
