package io.myelin.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.myelin.backend.Availability;

/**
 * The shared cuda:0 backend for GPU tests, or a skipped test carrying the probe's reason.
 *
 * <p>When engine-core's conformance suites arrive, each CUDA subclass is one line:
 *
 * <pre>{@code
 * class CudaUnaryConformanceTest extends UnaryConformanceTest {
 *   protected Backend backend() { return CudaTestBackend.get(); }
 * }
 * }</pre>
 */
final class CudaTestBackend {
  private static final CudaProvider PROVIDER = new CudaProvider();
  private static CudaBackend shared;

  private CudaTestBackend() {}

  /** The backend, created once per test JVM; aborts (skips) the calling test without CUDA. */
  static synchronized CudaBackend get() {
    Availability a = PROVIDER.probe();
    assumeTrue(a.available(), () -> "CUDA unavailable: " + a.reason());
    if (shared == null) {
      shared = (CudaBackend) PROVIDER.create(0);
    }
    return shared;
  }
}
