package io.myelin.cpu;

import io.myelin.backend.Backend;
import io.myelin.backend.MemoryConformanceTest;

/** The memory conformance suite on the CPU backend. */
class CpuMemoryTest extends MemoryConformanceTest {
  @Override
  protected Backend backend() {
    return CpuTestBackends.SHARED;
  }
}
