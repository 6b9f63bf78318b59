package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.MemoryConformanceTest;

/** The primitive-level memory conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendMemoryConformanceTest extends MemoryConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
