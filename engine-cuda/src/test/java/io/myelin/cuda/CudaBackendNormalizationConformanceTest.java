package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.NormalizationConformanceTest;

/** The primitive-level normalization conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendNormalizationConformanceTest extends NormalizationConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
