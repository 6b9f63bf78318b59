package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.CrossEntropyConformanceTest;

/** The primitive-level crossentropy conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendCrossEntropyConformanceTest extends CrossEntropyConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
