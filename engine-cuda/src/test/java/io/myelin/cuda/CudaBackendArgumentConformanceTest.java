package io.myelin.cuda;

import io.myelin.backend.Backend;
import io.myelin.backend.BackendArgumentConformanceTest;

/**
 * The bad-argument conformance suite on cuda:0 (skipped without a GPU): the same exception type and
 * message as on the CPU for every bad call, including issue 13's (gemm operands past their storage,
 * C batch stride 0 with batch > 1, gatherRows with a null destination).
 */
class CudaBackendArgumentConformanceTest extends BackendArgumentConformanceTest {
  @Override
  protected Backend backend() {
    return CudaTestBackend.get();
  }
}
