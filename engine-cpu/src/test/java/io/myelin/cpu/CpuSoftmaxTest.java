package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.SoftmaxConformanceTest;

/** The softmax conformance suite on the CPU backend. */
class CpuSoftmaxTest extends SoftmaxConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
