package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.ElementwiseConformanceTest;

/** The primitive-level elementwise conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendElementwiseConformanceTest extends ElementwiseConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
