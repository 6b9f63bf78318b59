package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.SoftmaxConformanceTest;

/** The primitive-level softmax conformance suite on cuda:0 (skipped without a GPU). */
class CudaBackendSoftmaxConformanceTest extends SoftmaxConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
