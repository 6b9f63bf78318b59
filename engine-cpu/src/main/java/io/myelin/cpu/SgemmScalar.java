package io.myelin.cpu;

import io.myelin.backend.GemmOperand;

/**
 * {@link Sgemm}'s path for small products: plain scalar loops, no Vector API. The JIT compiles them
 * within the first calls (C1 after a few, C2 after tens), while the Vector API kernels run as
 * interpreted Java, allocating per vector operation, until C2 compiles them - most of a small
 * model's warm-up. Compiled, this path is also faster than the packed vector path on the shapes of
 * a small MLP (the Pima model's 614 x 20 x 20 and 20 x 614 x 8: the packing and the sum buffers
 * cost more there than the multiply-adds; bench/RESULTS.md).
 *
 * <p>Same bits as the packed path: every element of C is summed per depth block of {@code kc} (a
 * function of k alone, {@link Sgemm}), from 0, with one fused multiply-add per depth step in
 * increasing p, and each block's sum is written with the same float operations as {@code
 * Sgemm.update}: {@code alpha * sum (+ beta * C)} for the first block, {@code C + alpha * sum} for
 * the later ones. So the choice of path (by size) changes no result.
 *
 * <p>Register blocking: 4 x 4 elements of C per pass over a depth block, 16 independent sums in
 * registers (a single sum would wait for each FMA's latency), op(A) read in rows (in place, or
 * packed into rows when A is transposed) and op(B) packed in panels of 4 columns so that every read
 * is sequential; edge rows and columns in 1-wide passes.
 */
final class SgemmScalar {
  /**
   * Largest product (multiply-adds) this path takes: below this the compiled scalar loops lose
   * little to the vector kernels (they are 1.5-3x slower there, bench/RESULTS.md) and the warm-up
   * they save is worth more. Covers the Pima MLP (614 x 20 x 20), not the logits layer of a
   * batch-128 MNIST MLP (128 x 256 x 10 = 327,680), which stays on the packed path.
   */
  static final long MAX_MACS = 1L << 18;

  /** Largest op(A) or op(B) (elements) this path packs. */
  static final int MAX_OPERAND = 1 << 17;

  /**
   * Products with at least this many rows take {@link #tall}: loops down the rows that C2
   * vectorises (the Pima MLP's 614-row forward products). {@code -Dmyelin.cpu.sgemmTall=false}
   * turns it off (for A/B measurements; same bits either way).
   */
  static final int TALL_ROWS = 64;

  static final boolean TALL =
      Boolean.parseBoolean(System.getProperty("myelin.cpu.sgemmTall", "true"));

  private SgemmScalar() {}

  /** Whether {@link #gemm} takes this product. */
  static boolean suits(int batch, int m, int n, int k) {
    long macs = (long) batch * m * n * k;
    return ScalarPath.GEMM
        && macs <= MAX_MACS
        && (long) m * k <= MAX_OPERAND
        && (long) k * n <= MAX_OPERAND;
  }

  /**
   * C = alpha op(A) op(B) + beta C for batch entry {@code bi}; {@code s} provides the packing
   * buffers.
   */
  static void gemm(
      SgemmScratch s,
      int bi,
      int m,
      int n,
      int k,
      int kc,
      float alpha,
      float[] a,
      GemmOperand ao,
      float[] b,
      GemmOperand bo,
      float beta,
      float[] c,
      GemmOperand co) {
    if (TALL && m >= TALL_ROWS) {
      tall(s, bi, m, n, k, kc, alpha, a, ao, b, bo, beta, c, co);
      return;
    }
    // op(A) = A: its rows are read in place (row i at aOff + i * lda); a transposed A is packed
    // into rows first.
    float[] pa;
    int aOff;
    int lda;
    if (ao.transposed()) {
      pa = s.smallA(m * k);
      packA(a, ao, bi, m, k, pa);
      aOff = 0;
      lda = k;
    } else {
      pa = a;
      aOff = ao.offset() + bi * ao.batchStride();
      lda = ao.ld();
    }
    float[] pb = s.smallB(k * n);
    packB(b, bo, bi, k, n, pb);
    int cBase = co.offset() + bi * co.batchStride();
    int ldc = co.ld();
    int n4 = n & ~3;
    int m4 = m & ~3;
    for (int p0 = 0; p0 < k; p0 += kc) {
      int p1 = Math.min(k, p0 + kc);
      boolean first = p0 == 0;
      for (int i = 0; i < m4; i += 4) {
        for (int j = 0; j < n4; j += 4) {
          block4x4(
              pa,
              aOff + i * lda,
              lda,
              pb,
              j * k,
              p0,
              p1,
              c,
              cBase + i * ldc + j,
              ldc,
              alpha,
              beta,
              first);
        }
        for (int j = n4; j < n; j++) {
          column4x1(
              pa,
              aOff + i * lda,
              lda,
              pb,
              n4 * k + (j - n4),
              n - n4,
              p0,
              p1,
              c,
              cBase + i * ldc + j,
              ldc,
              alpha,
              beta,
              first);
        }
      }
      for (int i = m4; i < m; i++) {
        for (int j = 0; j < n4; j += 4) {
          row1x4(pa, aOff + i * lda, pb, j * k, p0, p1, c, cBase + i * ldc + j, alpha, beta, first);
        }
        for (int j = n4; j < n; j++) {
          one(
              pa,
              aOff + i * lda,
              pb,
              n4 * k + (j - n4),
              n - n4,
              p0,
              p1,
              c,
              cBase + i * ldc + j,
              alpha,
              beta,
              first);
        }
      }
    }
  }

  /**
   * The tall form for many rows: op(A) copied into one array per depth step p (its column p), and
   * for 4 columns j of C at a time, 4 arrays of sums running down all m rows, {@code s[i] =
   * fma(op(A)(i, p), op(B)(p, j), s[i])} for p in increasing order through the depth block. Every
   * element's arithmetic is the 4 x 4 blocks' (and the packed path's): the same fused multiply-adds
   * in the same order from 0 per depth block, then {@link #store}. The loops over i index all their
   * arrays from 0, which lets C2 vectorise them (with an offset it must assume that the sums and
   * the column could overlap a few elements apart, and leaves the loop scalar).
   */
  private static void tall(
      SgemmScratch s,
      int bi,
      int m,
      int n,
      int k,
      int kc,
      float alpha,
      float[] a,
      GemmOperand ao,
      float[] b,
      GemmOperand bo,
      float beta,
      float[] c,
      GemmOperand co) {
    float[][] col = s.tallColumns(k, m);
    int aBase = ao.offset() + bi * ao.batchStride();
    int lda = ao.ld();
    if (ao.transposed()) {
      for (int p = 0; p < k; p++) {
        System.arraycopy(a, aBase + p * lda, col[p], 0, m);
      }
    } else {
      for (int i = 0; i < m; i++) {
        rowIntoColumns(a, aBase + i * lda, col, i, k);
      }
    }
    float[] s0 = s.tallSums(0, m);
    float[] s1 = s.tallSums(1, m);
    float[] s2 = s.tallSums(2, m);
    float[] s3 = s.tallSums(3, m);
    int bBase = bo.offset() + bi * bo.batchStride();
    // op(B)(p, j) = b[bBase + p * bp + j * bj]
    int bp = bo.transposed() ? 1 : bo.ld();
    int bj = bo.transposed() ? bo.ld() : 1;
    int cBase = co.offset() + bi * co.batchStride();
    int ldc = co.ld();
    for (int p0 = 0; p0 < k; p0 += kc) {
      int p1 = Math.min(k, p0 + kc);
      boolean first = p0 == 0;
      int j = 0;
      for (; j + 4 <= n; j += 4) {
        java.util.Arrays.fill(s0, 0, m, 0f);
        java.util.Arrays.fill(s1, 0, m, 0f);
        java.util.Arrays.fill(s2, 0, m, 0f);
        java.util.Arrays.fill(s3, 0, m, 0f);
        for (int p = p0; p < p1; p++) {
          int q = bBase + p * bp + j * bj;
          fma4(col[p], b[q], b[q + bj], b[q + 2 * bj], b[q + 3 * bj], s0, s1, s2, s3, m);
        }
        store4Rows(c, cBase + j, ldc, s0, s1, s2, s3, m, alpha, beta, first);
      }
      for (; j < n; j++) {
        java.util.Arrays.fill(s0, 0, m, 0f);
        for (int p = p0; p < p1; p++) {
          fma1(col[p], b[bBase + p * bp + j * bj], s0, m);
        }
        for (int i = 0; i < m; i++) {
          int ci = cBase + i * ldc + j;
          c[ci] = store(c[ci], s0[i], alpha, beta, first);
        }
      }
    }
  }

  // The loops of tall() over the rows, one method each: C2 compiles each after a few dozen calls
  // as a method, where a loop of 614 rows inside tall() had it compile tall() three times (two
  // on-stack replacements for its loops, then the method: 200 ms of a 2-core machine's C2 time in
  // the Pima run, bench/RESULTS.md round 4). Same operations in the same order.

  /** {@code col[p][i] = a[src + p]} for p < k: row i of op(A) into the column arrays. */
  private static void rowIntoColumns(float[] a, int src, float[][] col, int i, int k) {
    for (int p = 0; p < k; p++) {
      col[p][i] = a[src + p];
    }
  }

  /** {@code s_c[i] += ap[i] * x_c} (fused) for the four columns c and i < m. */
  private static void fma4(
      float[] ap,
      float x0,
      float x1,
      float x2,
      float x3,
      float[] s0,
      float[] s1,
      float[] s2,
      float[] s3,
      int m) {
    for (int i = 0; i < m; i++) {
      float v = ap[i];
      s0[i] = Math.fma(v, x0, s0[i]);
      s1[i] = Math.fma(v, x1, s1[i]);
      s2[i] = Math.fma(v, x2, s2[i]);
      s3[i] = Math.fma(v, x3, s3[i]);
    }
  }

  /** {@code s0[i] += ap[i] * x} (fused) for i < m. */
  private static void fma1(float[] ap, float x, float[] s0, int m) {
    for (int i = 0; i < m; i++) {
      s0[i] = Math.fma(ap[i], x, s0[i]);
    }
  }

  /** Four columns of sums into C from {@code c[at]} down the rows ({@link #store4} per row). */
  private static void store4Rows(
      float[] c,
      int at,
      int ldc,
      float[] s0,
      float[] s1,
      float[] s2,
      float[] s3,
      int m,
      float alpha,
      float beta,
      boolean first) {
    for (int i = 0; i < m; i++) {
      store4(c, at + i * ldc, s0[i], s1[i], s2[i], s3[i], alpha, beta, first);
    }
  }

  /** A transposed op(A) into rows: {@code pa[i * k + p]}. */
  private static void packA(float[] a, GemmOperand ao, int bi, int m, int k, float[] pa) {
    int base = ao.offset() + bi * ao.batchStride();
    int ld = ao.ld();
    for (int p = 0; p < k; p++) {
      int src = base + p * ld;
      for (int i = 0; i < m; i++) {
        pa[i * k + p] = a[src + i];
      }
    }
  }

  /**
   * op(B) into panels of 4 columns, {@code pb[j * k + p * 4 + (j % 4)]} for the first {@code n &
   * ~3} columns, then the last {@code n % 4} columns interleaved the same way with their own width.
   */
  private static void packB(float[] b, GemmOperand bo, int bi, int k, int n, float[] pb) {
    int base = bo.offset() + bi * bo.batchStride();
    int ld = bo.ld();
    int n4 = n & ~3;
    int rest = n - n4;
    if (bo.transposed()) {
      // op(B)(p, j) = B[j][p]: each stored row is one column, read in order.
      for (int j = 0; j < n; j++) {
        int src = base + j * ld;
        int dst = j < n4 ? (j & ~3) * k + (j & 3) : n4 * k + (j - n4);
        int step = j < n4 ? 4 : rest;
        for (int p = 0; p < k; p++) {
          pb[dst + p * step] = b[src + p];
        }
      }
      return;
    }
    for (int p = 0; p < k; p++) {
      int src = base + p * ld;
      for (int j = 0; j < n4; j += 4) {
        int dst = j * k + p * 4;
        pb[dst] = b[src + j];
        pb[dst + 1] = b[src + j + 1];
        pb[dst + 2] = b[src + j + 2];
        pb[dst + 3] = b[src + j + 3];
      }
      for (int j = n4; j < n; j++) {
        pb[n4 * k + p * rest + (j - n4)] = b[src + j];
      }
    }
  }

  private static void block4x4(
      float[] pa,
      int ai,
      int lda,
      float[] pb,
      int bi,
      int p0,
      int p1,
      float[] c,
      int ci,
      int ldc,
      float alpha,
      float beta,
      boolean first) {
    float s00 = 0, s01 = 0, s02 = 0, s03 = 0;
    float s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    float s20 = 0, s21 = 0, s22 = 0, s23 = 0;
    float s30 = 0, s31 = 0, s32 = 0, s33 = 0;
    int a0 = ai;
    int a1 = ai + lda;
    int a2 = ai + 2 * lda;
    int a3 = ai + 3 * lda;
    for (int p = p0; p < p1; p++) {
      int q = bi + p * 4;
      float b0 = pb[q];
      float b1 = pb[q + 1];
      float b2 = pb[q + 2];
      float b3 = pb[q + 3];
      float x = pa[a0 + p];
      s00 = Math.fma(x, b0, s00);
      s01 = Math.fma(x, b1, s01);
      s02 = Math.fma(x, b2, s02);
      s03 = Math.fma(x, b3, s03);
      x = pa[a1 + p];
      s10 = Math.fma(x, b0, s10);
      s11 = Math.fma(x, b1, s11);
      s12 = Math.fma(x, b2, s12);
      s13 = Math.fma(x, b3, s13);
      x = pa[a2 + p];
      s20 = Math.fma(x, b0, s20);
      s21 = Math.fma(x, b1, s21);
      s22 = Math.fma(x, b2, s22);
      s23 = Math.fma(x, b3, s23);
      x = pa[a3 + p];
      s30 = Math.fma(x, b0, s30);
      s31 = Math.fma(x, b1, s31);
      s32 = Math.fma(x, b2, s32);
      s33 = Math.fma(x, b3, s33);
    }
    store4(c, ci, s00, s01, s02, s03, alpha, beta, first);
    store4(c, ci + ldc, s10, s11, s12, s13, alpha, beta, first);
    store4(c, ci + 2 * ldc, s20, s21, s22, s23, alpha, beta, first);
    store4(c, ci + 3 * ldc, s30, s31, s32, s33, alpha, beta, first);
  }

  private static void row1x4(
      float[] pa,
      int ai,
      float[] pb,
      int bi,
      int p0,
      int p1,
      float[] c,
      int ci,
      float alpha,
      float beta,
      boolean first) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int p = p0; p < p1; p++) {
      int q = bi + p * 4;
      float x = pa[ai + p];
      s0 = Math.fma(x, pb[q], s0);
      s1 = Math.fma(x, pb[q + 1], s1);
      s2 = Math.fma(x, pb[q + 2], s2);
      s3 = Math.fma(x, pb[q + 3], s3);
    }
    store4(c, ci, s0, s1, s2, s3, alpha, beta, first);
  }

  /**
   * 4 rows x 1 column (the last {@code n % 4} columns); the column at {@code pb[bi + p * width]}.
   */
  private static void column4x1(
      float[] pa,
      int ai,
      int lda,
      float[] pb,
      int bi,
      int width,
      int p0,
      int p1,
      float[] c,
      int ci,
      int ldc,
      float alpha,
      float beta,
      boolean first) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int p = p0; p < p1; p++) {
      float y = pb[bi + p * width];
      s0 = Math.fma(pa[ai + p], y, s0);
      s1 = Math.fma(pa[ai + lda + p], y, s1);
      s2 = Math.fma(pa[ai + 2 * lda + p], y, s2);
      s3 = Math.fma(pa[ai + 3 * lda + p], y, s3);
    }
    c[ci] = store(c[ci], s0, alpha, beta, first);
    c[ci + ldc] = store(c[ci + ldc], s1, alpha, beta, first);
    c[ci + 2 * ldc] = store(c[ci + 2 * ldc], s2, alpha, beta, first);
    c[ci + 3 * ldc] = store(c[ci + 3 * ldc], s3, alpha, beta, first);
  }

  /** One element; its op(B) column is at {@code pb[bi + p * width]}. */
  private static void one(
      float[] pa,
      int ai,
      float[] pb,
      int bi,
      int width,
      int p0,
      int p1,
      float[] c,
      int ci,
      float alpha,
      float beta,
      boolean first) {
    float s = 0;
    for (int p = p0; p < p1; p++) {
      s = Math.fma(pa[ai + p], pb[bi + p * width], s);
    }
    c[ci] = store(c[ci], s, alpha, beta, first);
  }

  private static void store4(
      float[] c,
      int ci,
      float s0,
      float s1,
      float s2,
      float s3,
      float alpha,
      float beta,
      boolean first) {
    c[ci] = store(c[ci], s0, alpha, beta, first);
    c[ci + 1] = store(c[ci + 1], s1, alpha, beta, first);
    c[ci + 2] = store(c[ci + 2], s2, alpha, beta, first);
    c[ci + 3] = store(c[ci + 3], s3, alpha, beta, first);
  }

  /**
   * An element's new value from its depth block's sum, as {@code Sgemm.update}; the old value is
   * not used (it may hold NaN) for the first block with beta 0.
   */
  private static float store(float old, float sum, float alpha, float beta, boolean first) {
    if (first) {
      return beta == 0 ? sum * alpha : sum * alpha + old * beta;
    }
    return old + sum * alpha;
  }
}
