package io.myelin.cpu;

import static io.myelin.cpu.SgemmKernels.MR;
import static io.myelin.cpu.SgemmKernels.NR;

/**
 * One thread's packing buffers for {@link Sgemm}: an A micro-panel (L1), a packed B block (L2), the
 * micro-kernel's sums and the gather offsets of a transposed B. Buffers are reused through a {@link
 * Pool} owned by the backend, so GEMM allocates nothing in steady state.
 */
final class SgemmScratch {
  final float[] pa = new float[MR * Sgemm.KC + SgemmPack.A_SLACK];
  final float[] pb = new float[Sgemm.KC * Sgemm.NC];
  final float[] acc = new float[MR * NR];

  /** Gather offsets for packing a transposed B ({@link SgemmPack#b}). */
  final int[] rowsApart = new int[SgemmKernels.V];

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

  /** Free scratch buffers; thread-safe (taken and given back once per tile). */
  static final class Pool {
    private final SgemmScratch[] free = new SgemmScratch[16];
    private int size;

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
