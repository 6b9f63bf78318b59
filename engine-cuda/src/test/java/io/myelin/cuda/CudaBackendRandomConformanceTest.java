package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.RandomConformanceTest;

/** The primitive-level random conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendRandomConformanceTest extends RandomConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
