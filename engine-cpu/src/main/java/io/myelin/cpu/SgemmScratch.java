package io.myelin.cpu;

import static io.myelin.cpu.SgemmKernels.MR;
import static io.myelin.cpu.SgemmKernels.NR;

/**
 * One thread's packing buffers for {@link Sgemm}: an A micro-panel (L1), a packed B block (L2) and
 * the micro-kernel's sums. Buffers are reused through a {@link Pool} owned by the backend, so GEMM
 * allocates nothing in steady state.
 */
final class SgemmScratch {
  // The packed path's buffers, made at its first use: the scalar path (SgemmScalar) takes its
  // scratch from the same pool and needs none of them, and sizing them reads SgemmKernels' MR and
  // NR, whose initialisation initialises the Vector API (~30 ms at start-up).
  private float[] pa;
  private float[] pb;
  private float[] acc;

  /** {@link Sgemm}'s A micro-panel: MR x KC floats. */
  float[] pa() {
    if (pa == null) {
      pa = new float[MR * Sgemm.KC];
    }
    return pa;
  }

  /** {@link Sgemm}'s packed B block: KC x NC floats. */
  float[] pb() {
    if (pb == null) {
      pb = new float[Sgemm.KC * Sgemm.NC];
    }
    return pb;
  }

  /** The micro-kernel's sums: MR x NR floats. */
  float[] acc() {
    if (acc == null) {
      acc = new float[MR * NR];
    }
    return acc;
  }

  private float[] packedA = new float[0];

  /**
   * {@link Sgemm}'s A micro-panels of a whole tile's rows, at least {@code n} floats (grown once).
   */
  float[] packedA(int n) {
    if (packedA.length < n) {
      packedA = new float[n];
    }
    return packedA;
  }

  private float[] smallA = new float[0];
  private float[] smallB = new float[0];

  /** {@link SgemmScalar}'s packed op(A), at least {@code n} floats (grown once, then reused). */
  float[] smallA(int n) {
    if (smallA.length < n) {
      smallA = new float[n];
    }
    return smallA;
  }

  /** {@link SgemmScalar}'s packed op(B), at least {@code n} floats. */
  float[] smallB(int n) {
    if (smallB.length < n) {
      smallB = new float[n];
    }
    return smallB;
  }

  private float[][] tallColumns = new float[0][];
  private final float[][] tallSums = new float[4][0];

  /**
   * {@link SgemmScalar}'s op(A) columns for its tall loops: at least {@code k} arrays of at least
   * {@code m} floats, each its own array so that the loops index it from 0 like the sums (C2
   * vectorises a loop over two arrays only when their indices cannot be a loop-carried distance
   * apart).
   */
  float[][] tallColumns(int k, int m) {
    if (tallColumns.length < k) {
      tallColumns = java.util.Arrays.copyOf(tallColumns, k);
    }
    for (int p = 0; p < k; p++) {
      if (tallColumns[p] == null || tallColumns[p].length < m) {
        tallColumns[p] = new float[m];
      }
    }
    return tallColumns;
  }

  /** The tall loops' sums: array {@code i} (0..3) of at least {@code m} floats. */
  float[] tallSums(int i, int m) {
    if (tallSums[i].length < m) {
      tallSums[i] = new float[m];
    }
    return tallSums[i];
  }

  /**
   * Free scratch buffers; thread-safe (taken and given back once per tile). Also decides when
   * {@link SgemmPack#b} may use the register transposes of {@link SgemmTranspose}: until then each
   * GEMM with a transposed B first runs one transpose of a dummy block and times it ({@link
   * #vectorTranspose}). Interpreted or C1-compiled, a Vector API method allocates per operation and
   * takes tens of microseconds; compiled by C2, well under one. The first call under {@link
   * #COMPILED_NANOS} switches the packing over for good. Packing is a copy, so the switch changes
   * no result; the dummy calls only drive the method's invocation count to C2's threshold.
   */
  static final class Pool {
    /** A dummy transpose faster than this ran compiled code (interpreted: tens of microseconds). */
    static final long COMPILED_NANOS = 2_000;

    /**
     * {@link #COMPILED_NANOS} for the 8 x 8 transpose of AVX2: C1's code for it takes 1.4-7 us a
     * call on Zen 3, sometimes under 2 us, C2's 50-90 ns.
     */
    static final long COMPILED_NANOS_8 = 500;

    /**
     * Dummy transposes per GEMM until then: C2 takes a method after ~5,000 calls by default (250
     * under the launcher's early-C2 setting); at 8 per GEMM the packing switches within a few
     * hundred GEMMs, at a cost of a few hundred microseconds per GEMM while interpreted.
     */
    static final int DUMMIES = 8;

    private final SgemmScratch[] free = new SgemmScratch[16];
    private int size;
    private volatile boolean transposeCompiled;

    /** Whether packing may use {@link SgemmTranspose}: see the class comment. */
    boolean vectorTranspose() {
      if (transposeCompiled) {
        return true;
      }
      int n = SgemmKernels.V;
      if (n != SgemmTranspose.N && n != SgemmTranspose.N8) {
        return false;
      }
      float[] src = new float[n * n];
      float[] dst = new float[src.length];
      for (int i = 0; i < DUMMIES; i++) {
        long t0 = System.nanoTime();
        if (n == SgemmTranspose.N) {
          SgemmTranspose.block16(src, 0, n, dst, 0, n);
        } else {
          SgemmTranspose.block8(src, 0, n, dst, 0, n);
        }
        if (System.nanoTime() - t0 < (n == SgemmTranspose.N ? COMPILED_NANOS : COMPILED_NANOS_8)) {
          transposeCompiled = true;
          break;
        }
      }
      return false;
    }

    synchronized SgemmScratch take() {
      return size > 0 ? free[--size] : new SgemmScratch();
    }

    synchronized void give(SgemmScratch s) {
      if (size < free.length) {
        free[size++] = s;
      }
    }
  }
}
