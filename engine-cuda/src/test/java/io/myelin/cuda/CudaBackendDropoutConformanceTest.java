package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.DropoutConformanceTest;

/** The primitive-level dropout conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendDropoutConformanceTest extends DropoutConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
