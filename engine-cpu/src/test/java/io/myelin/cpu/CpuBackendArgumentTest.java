package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.backend.Backend;
import io.myelin.backend.BackendArgumentConformanceTest;
import io.myelin.backend.DeviceManager;

/** The bad-argument conformance suite on the CPU backend, reached as users reach it. */
class CpuBackendArgumentTest extends BackendArgumentConformanceTest {
  @Override
  protected Backend backend() {
    return DeviceManager.global().backend(Device.CPU);
  }
}
