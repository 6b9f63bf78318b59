package io.myelin.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SGEMM register micro-kernels, straight-line code with every accumulator a local so C2 keeps
 * them in vector registers (generated once by a small script; edit the pattern, not one row). Each
 * kernel sums {@code kc} rank-1 updates with one FMA per accumulator per step, in increasing {@code
 * p}, and writes its raw sums to {@code acc} (row r at {@code r * width}); the caller applies alpha
 * and beta ({@code Sgemm.update}) - except {@link #wide12} on a whole tile, which writes {@code
 * alpha * sum} into C itself (adding it to C after the first depth block). Writing sums to a small
 * array instead of passing vectors to a store helper keeps every vector inside one method: a helper
 * that C2 declines to inline would box a vector per call.
 *
 * <p>Row counts follow the register file: 12 rows x 2 vectors = 24 accumulators for the 32
 * registers of AVX-512, 5 x 2 = 10 for the 16 of AVX2 and narrower (with 12 there C2 spills).
 */
final class SgemmKernels {
  static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorWidth.SHAPE);
  static final int V = S.length();

  /** Rows of the micro-kernel. */
  static final int MR = V >= 16 ? 12 : 5;

  /** Columns of the wide micro-kernel: two vectors. */
  static final int NR = 2 * V;

  /**
   * One row of -0.0f, the {@code old} of {@link #wide12} where C is not added: {@code -0 + x} is
   * {@code x} for every float x (a +0 would turn a -0 sum into +0).
   */
  static final float[] NEG_ZEROS = negativeZeros();

  private SgemmKernels() {}

  private static float[] negativeZeros() {
    float[] z = new float[NR];
    java.util.Arrays.fill(z, -0f);
    return z;
  }

  /** MR x NR sums of an interleaved A micro-panel (at {@code pa[ao]}) and a B panel. */
  static void wide(int kc, float[] pa, int ao, float[] pb, int bo, int ldb, float[] acc) {
    wideInto(kc, pa, ao, pb, bo, ldb, NEG_ZEROS, 0, 0, acc, 0, NR, 1f);
  }

  /** {@link #wide12} or {@link #wide5}, whichever suits the register file ({@link #MR}). */
  static void wideInto(
      int kc,
      float[] pa,
      int ao,
      float[] pb,
      int bo,
      int ldb,
      float[] old,
      int oi,
      int ldo,
      float[] c,
      int ci,
      int ldc,
      float alpha) {
    if (MR == 12) {
      wide12(kc, pa, ao, pb, bo, ldb, old, oi, ldo, c, ci, ldc, alpha);
    } else {
      wide5(kc, pa, ao, pb, bo, ldb, old, oi, ldo, c, ci, ldc, alpha);
    }
  }

  /** MR x V sums of unpacked A rows and a one-vector B panel. */
  static void narrow(int kc, float[] a, int ar, int lda, int rows, float[] pb, float[] acc) {
    if (MR == 12) {
      narrow12(kc, a, ar, lda, rows, pb, acc);
    } else {
      narrow6(kc, a, ar, lda, rows, pb, acc);
    }
  }

  /**
   * 12 x (2 vectors): pa holds an interleaved A micro-panel ({@code pa[ao + p * 12 + r]}), pb a B
   * panel. Row r of the result, {@code old[oi + r * ldo] + alpha * sum}, goes to {@code c[ci + r *
   * ldc]}: with {@code old} = C, a later depth block adds itself into C ({@code Sgemm.update}'s
   * operation there); with {@code old} = {@link #NEG_ZEROS} (ldo 0) it writes {@code alpha * sum}
   * exactly, into C for a first depth block with beta 0, or raw sums (alpha 1) into a buffer. One
   * kernel and one epilogue for all three: each further Vector API kernel runs as slow Java until
   * C2 compiles it (a separate kernel for {@code C + alpha * sum} cost ~0.5 s in the first training
   * step, and one with a branch between two epilogues ran at half speed: bench/RESULTS.md, round
   * 3).
   */
  static void wide12(
      int kc,
      float[] pa,
      int ao,
      float[] pb,
      int bo,
      int ldb,
      float[] old,
      int oi,
      int ldo,
      float[] c,
      int ci,
      int ldc,
      float alpha) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z;
    FloatVector c10 = z, c11 = z;
    FloatVector c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z;
    FloatVector c50 = z, c51 = z;
    FloatVector c60 = z, c61 = z;
    FloatVector c70 = z, c71 = z;
    FloatVector c80 = z, c81 = z;
    FloatVector c90 = z, c91 = z;
    FloatVector c100 = z, c101 = z;
    FloatVector c110 = z, c111 = z;
    for (int p = 0; p < kc; p++) {
      int bi = bo + p * ldb;
      int ai = ao + p * 12;
      FloatVector b0 = FloatVector.fromArray(S, pb, bi);
      FloatVector b1 = FloatVector.fromArray(S, pb, bi + V);
      FloatVector a;
      a = FloatVector.broadcast(S, pa[ai + 0]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = FloatVector.broadcast(S, pa[ai + 1]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = FloatVector.broadcast(S, pa[ai + 2]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = FloatVector.broadcast(S, pa[ai + 3]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      a = FloatVector.broadcast(S, pa[ai + 4]);
      c40 = a.fma(b0, c40);
      c41 = a.fma(b1, c41);
      a = FloatVector.broadcast(S, pa[ai + 5]);
      c50 = a.fma(b0, c50);
      c51 = a.fma(b1, c51);
      a = FloatVector.broadcast(S, pa[ai + 6]);
      c60 = a.fma(b0, c60);
      c61 = a.fma(b1, c61);
      a = FloatVector.broadcast(S, pa[ai + 7]);
      c70 = a.fma(b0, c70);
      c71 = a.fma(b1, c71);
      a = FloatVector.broadcast(S, pa[ai + 8]);
      c80 = a.fma(b0, c80);
      c81 = a.fma(b1, c81);
      a = FloatVector.broadcast(S, pa[ai + 9]);
      c90 = a.fma(b0, c90);
      c91 = a.fma(b1, c91);
      a = FloatVector.broadcast(S, pa[ai + 10]);
      c100 = a.fma(b0, c100);
      c101 = a.fma(b1, c101);
      a = FloatVector.broadcast(S, pa[ai + 11]);
      c110 = a.fma(b0, c110);
      c111 = a.fma(b1, c111);
    }
    FloatVector.fromArray(S, old, oi).add(c00.mul(alpha)).intoArray(c, ci);
    FloatVector.fromArray(S, old, oi + V).add(c01.mul(alpha)).intoArray(c, ci + V);
    FloatVector.fromArray(S, old, oi + ldo).add(c10.mul(alpha)).intoArray(c, ci + ldc);
    FloatVector.fromArray(S, old, oi + ldo + V).add(c11.mul(alpha)).intoArray(c, ci + ldc + V);
    FloatVector.fromArray(S, old, oi + 2 * ldo).add(c20.mul(alpha)).intoArray(c, ci + 2 * ldc);
    FloatVector.fromArray(S, old, oi + 2 * ldo + V)
        .add(c21.mul(alpha))
        .intoArray(c, ci + 2 * ldc + V);
    FloatVector.fromArray(S, old, oi + 3 * ldo).add(c30.mul(alpha)).intoArray(c, ci + 3 * ldc);
    FloatVector.fromArray(S, old, oi + 3 * ldo + V)
        .add(c31.mul(alpha))
        .intoArray(c, ci + 3 * ldc + V);
    FloatVector.fromArray(S, old, oi + 4 * ldo).add(c40.mul(alpha)).intoArray(c, ci + 4 * ldc);
    FloatVector.fromArray(S, old, oi + 4 * ldo + V)
        .add(c41.mul(alpha))
        .intoArray(c, ci + 4 * ldc + V);
    FloatVector.fromArray(S, old, oi + 5 * ldo).add(c50.mul(alpha)).intoArray(c, ci + 5 * ldc);
    FloatVector.fromArray(S, old, oi + 5 * ldo + V)
        .add(c51.mul(alpha))
        .intoArray(c, ci + 5 * ldc + V);
    FloatVector.fromArray(S, old, oi + 6 * ldo).add(c60.mul(alpha)).intoArray(c, ci + 6 * ldc);
    FloatVector.fromArray(S, old, oi + 6 * ldo + V)
        .add(c61.mul(alpha))
        .intoArray(c, ci + 6 * ldc + V);
    FloatVector.fromArray(S, old, oi + 7 * ldo).add(c70.mul(alpha)).intoArray(c, ci + 7 * ldc);
    FloatVector.fromArray(S, old, oi + 7 * ldo + V)
        .add(c71.mul(alpha))
        .intoArray(c, ci + 7 * ldc + V);
    FloatVector.fromArray(S, old, oi + 8 * ldo).add(c80.mul(alpha)).intoArray(c, ci + 8 * ldc);
    FloatVector.fromArray(S, old, oi + 8 * ldo + V)
        .add(c81.mul(alpha))
        .intoArray(c, ci + 8 * ldc + V);
    FloatVector.fromArray(S, old, oi + 9 * ldo).add(c90.mul(alpha)).intoArray(c, ci + 9 * ldc);
    FloatVector.fromArray(S, old, oi + 9 * ldo + V)
        .add(c91.mul(alpha))
        .intoArray(c, ci + 9 * ldc + V);
    FloatVector.fromArray(S, old, oi + 10 * ldo).add(c100.mul(alpha)).intoArray(c, ci + 10 * ldc);
    FloatVector.fromArray(S, old, oi + 10 * ldo + V)
        .add(c101.mul(alpha))
        .intoArray(c, ci + 10 * ldc + V);
    FloatVector.fromArray(S, old, oi + 11 * ldo).add(c110.mul(alpha)).intoArray(c, ci + 11 * ldc);
    FloatVector.fromArray(S, old, oi + 11 * ldo + V)
        .add(c111.mul(alpha))
        .intoArray(c, ci + 11 * ldc + V);
  }

  /**
   * 5 x (2 vectors), the AVX2 kernel: {@link #wide12}'s contract with five rows. Ten accumulators,
   * two B vectors and a broadcast fit the 16 vector registers; with six rows (twelve accumulators)
   * C2 spilled and the kernel ran at 41 GFLOP/s against 94 for five on a Zen 3 core whose FMA peak
   * is 96 (bench/RESULTS.md, round 5).
   */
  static void wide5(
      int kc,
      float[] pa,
      int ao,
      float[] pb,
      int bo,
      int ldb,
      float[] old,
      int oi,
      int ldo,
      float[] c,
      int ci,
      int ldc,
      float alpha) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z;
    FloatVector c10 = z, c11 = z;
    FloatVector c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z;
    for (int p = 0; p < kc; p++) {
      int bi = bo + p * ldb;
      int ai = ao + p * 5;
      FloatVector b0 = FloatVector.fromArray(S, pb, bi);
      FloatVector b1 = FloatVector.fromArray(S, pb, bi + V);
      FloatVector a;
      a = FloatVector.broadcast(S, pa[ai + 0]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = FloatVector.broadcast(S, pa[ai + 1]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = FloatVector.broadcast(S, pa[ai + 2]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = FloatVector.broadcast(S, pa[ai + 3]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      a = FloatVector.broadcast(S, pa[ai + 4]);
      c40 = a.fma(b0, c40);
      c41 = a.fma(b1, c41);
    }
    FloatVector.fromArray(S, old, oi).add(c00.mul(alpha)).intoArray(c, ci);
    FloatVector.fromArray(S, old, oi + V).add(c01.mul(alpha)).intoArray(c, ci + V);
    FloatVector.fromArray(S, old, oi + ldo).add(c10.mul(alpha)).intoArray(c, ci + ldc);
    FloatVector.fromArray(S, old, oi + ldo + V).add(c11.mul(alpha)).intoArray(c, ci + ldc + V);
    FloatVector.fromArray(S, old, oi + 2 * ldo).add(c20.mul(alpha)).intoArray(c, ci + 2 * ldc);
    FloatVector.fromArray(S, old, oi + 2 * ldo + V)
        .add(c21.mul(alpha))
        .intoArray(c, ci + 2 * ldc + V);
    FloatVector.fromArray(S, old, oi + 3 * ldo).add(c30.mul(alpha)).intoArray(c, ci + 3 * ldc);
    FloatVector.fromArray(S, old, oi + 3 * ldo + V)
        .add(c31.mul(alpha))
        .intoArray(c, ci + 3 * ldc + V);
    FloatVector.fromArray(S, old, oi + 4 * ldo).add(c40.mul(alpha)).intoArray(c, ci + 4 * ldc);
    FloatVector.fromArray(S, old, oi + 4 * ldo + V)
        .add(c41.mul(alpha))
        .intoArray(c, ci + 4 * ldc + V);
  }

  /**
   * 12 x (1 vector) over unpacked rows of A: row r of the block starts at {@code a[ar + r * lda]}
   * (rows past {@code rows} repeat the last one; their sums are not stored); pb is a B panel of one
   * vector width.
   */
  static void narrow12(int kc, float[] a, int ar, int lda, int rows, float[] pb, float[] acc) {
    int a0 = ar + Math.min(0, rows - 1) * lda;
    int a1 = ar + Math.min(1, rows - 1) * lda;
    int a2 = ar + Math.min(2, rows - 1) * lda;
    int a3 = ar + Math.min(3, rows - 1) * lda;
    int a4 = ar + Math.min(4, rows - 1) * lda;
    int a5 = ar + Math.min(5, rows - 1) * lda;
    int a6 = ar + Math.min(6, rows - 1) * lda;
    int a7 = ar + Math.min(7, rows - 1) * lda;
    int a8 = ar + Math.min(8, rows - 1) * lda;
    int a9 = ar + Math.min(9, rows - 1) * lda;
    int a10 = ar + Math.min(10, rows - 1) * lda;
    int a11 = ar + Math.min(11, rows - 1) * lda;
    FloatVector z = FloatVector.zero(S);
    FloatVector c0 = z,
        c1 = z,
        c2 = z,
        c3 = z,
        c4 = z,
        c5 = z,
        c6 = z,
        c7 = z,
        c8 = z,
        c9 = z,
        c10 = z,
        c11 = z;
    for (int p = 0; p < kc; p++) {
      FloatVector b = FloatVector.fromArray(S, pb, p * V);
      c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b, c0);
      c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b, c1);
      c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b, c2);
      c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b, c3);
      c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b, c4);
      c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b, c5);
      c6 = FloatVector.broadcast(S, a[a6 + p]).fma(b, c6);
      c7 = FloatVector.broadcast(S, a[a7 + p]).fma(b, c7);
      c8 = FloatVector.broadcast(S, a[a8 + p]).fma(b, c8);
      c9 = FloatVector.broadcast(S, a[a9 + p]).fma(b, c9);
      c10 = FloatVector.broadcast(S, a[a10 + p]).fma(b, c10);
      c11 = FloatVector.broadcast(S, a[a11 + p]).fma(b, c11);
    }
    c0.intoArray(acc, 0 * V);
    c1.intoArray(acc, 1 * V);
    c2.intoArray(acc, 2 * V);
    c3.intoArray(acc, 3 * V);
    c4.intoArray(acc, 4 * V);
    c5.intoArray(acc, 5 * V);
    c6.intoArray(acc, 6 * V);
    c7.intoArray(acc, 7 * V);
    c8.intoArray(acc, 8 * V);
    c9.intoArray(acc, 9 * V);
    c10.intoArray(acc, 10 * V);
    c11.intoArray(acc, 11 * V);
  }

  /**
   * 6 x (1 vector) over unpacked rows of A: row r of the block starts at {@code a[ar + r * lda]}
   * (rows past {@code rows} repeat the last one; their sums are not stored); pb is a B panel of one
   * vector width. Serves the five-row {@link #MR} too (six accumulators fit; the sixth row repeats
   * the fifth).
   */
  static void narrow6(int kc, float[] a, int ar, int lda, int rows, float[] pb, float[] acc) {
    int a0 = ar + Math.min(0, rows - 1) * lda;
    int a1 = ar + Math.min(1, rows - 1) * lda;
    int a2 = ar + Math.min(2, rows - 1) * lda;
    int a3 = ar + Math.min(3, rows - 1) * lda;
    int a4 = ar + Math.min(4, rows - 1) * lda;
    int a5 = ar + Math.min(5, rows - 1) * lda;
    FloatVector z = FloatVector.zero(S);
    FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z;
    for (int p = 0; p < kc; p++) {
      FloatVector b = FloatVector.fromArray(S, pb, p * V);
      c0 = FloatVector.broadcast(S, a[a0 + p]).fma(b, c0);
      c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b, c1);
      c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b, c2);
      c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b, c3);
      c4 = FloatVector.broadcast(S, a[a4 + p]).fma(b, c4);
      c5 = FloatVector.broadcast(S, a[a5 + p]).fma(b, c5);
    }
    c0.intoArray(acc, 0 * V);
    c1.intoArray(acc, 1 * V);
    c2.intoArray(acc, 2 * V);
    c3.intoArray(acc, 3 * V);
    c4.intoArray(acc, 4 * V);
    c5.intoArray(acc, 5 * V);
  }
}
