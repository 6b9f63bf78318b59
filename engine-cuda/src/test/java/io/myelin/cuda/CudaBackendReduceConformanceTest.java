package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.ReduceConformanceTest;

/** The primitive-level reduce conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendReduceConformanceTest extends ReduceConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
