package io.myelin.cpu;

/**
 * When a float32 kernel skips its Vector API body and runs its plain scalar loop instead.
 *
 * <p>Why: until C2 has compiled a Vector API loop, every vector operation runs as interpreted (or
 * C1) Java that allocates a vector object and loops over its lanes - tens of times slower than a
 * scalar loop, which C1 compiles after a few calls and C2 (vectorising it itself) soon after. A
 * small model (the course's Pima MLP: tensors of at most 614 x 20) spent most of its first hundred
 * training steps there. On small tensors the compiled scalar loops are about as fast, so they take
 * them from the first call and the Vector API classes are not even touched.
 *
 * <p>Results do not change: every kernel's scalar loop does the same float operations as its vector
 * body (it already computes the tails of the vector runs), and the choice depends on the size of
 * the whole call only - never on the thread count or on where a run falls.
 */
final class ScalarPath {
  /**
   * Calls over fewer elements than this run scalar: 2^14 by default; the system property {@code
   * myelin.cpu.scalarElements} sets it (0 turns the scalar paths off, GEMM's included: for A/B
   * benchmarks of the two paths in one build, bench/scripts/pima_vs_torch.sh).
   */
  static final int ELEMENTS = Integer.getInteger("myelin.cpu.scalarElements", 1 << 14);

  /** Whether the small SGEMMs take {@link SgemmScalar} (off with {@code ELEMENTS == 0}). */
  static final boolean GEMM = ELEMENTS > 0;

  private ScalarPath() {}

  static boolean small(long elements) {
    return elements < ELEMENTS;
  }
}
