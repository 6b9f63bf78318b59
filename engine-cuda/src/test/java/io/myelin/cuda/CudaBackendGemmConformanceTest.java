package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.GemmConformanceTest;

/** The primitive-level gemm conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendGemmConformanceTest extends GemmConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
