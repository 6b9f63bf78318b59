package io.myelin.cpu;

/**
 * The backend the CPU conformance tests share: three threads whatever the machine, so splitting
 * (including uneven splits) is exercised even on a two-core runner.
 */
final class CpuTestBackends {
  static final CpuBackend SHARED = new CpuBackend(3);

  private CpuTestBackends() {}
}
