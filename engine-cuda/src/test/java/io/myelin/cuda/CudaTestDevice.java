package io.myelin.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.myelin.Device;
import io.myelin.backend.Availability;

/**
 * The device of the tensor-level conformance suites on the GPU: {@code cuda:0}, or a skipped test
 * carrying the probe's reason where CUDA is unavailable.
 */
final class CudaTestDevice {
  private static final Availability PROBE = new CudaProvider().probe();

  private CudaTestDevice() {}

  /** {@code cuda:0}; aborts (skips) the calling test without a usable GPU. */
  static Device get() {
    assumeTrue(PROBE.available(), () -> "CUDA unavailable: " + PROBE.reason());
    return Device.cuda(0);
  }
}
