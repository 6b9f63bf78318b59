package io.myelin.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 16 x 16 float transpose in vector registers, for packing a transposed op(B) ({@link
 * SgemmPack#b}): 16 row loads, four butterfly stages of two-vector permutes ({@code selectFrom},
 * one {@code vpermi2ps} each on AVX-512), 16 row stores. Stage {@code b} swaps bit {@code b} of the
 * row index with bit {@code b} of the column index between rows that differ in that bit; after the
 * four stages every element {@code (r, c)} sits at {@code (c, r)}. A pure copy: no arithmetic, so
 * the packed panel is the same as the gather's bit for bit.
 */
final class SgemmTranspose {
  /** The block size: the lanes of a 512-bit float vector. */
  static final int N = 16;

  private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;

  /** Per stage, the permute indices of the lower and the upper row of a pair (0..15: first). */
  private static final float[][] LO = new float[4][N];

  private static final float[][] HI = new float[4][N];

  static {
    for (int b = 0; b < 4; b++) {
      int bit = 1 << b;
      for (int c = 0; c < N; c++) {
        LO[b][c] = (c & bit) == 0 ? c : N + (c ^ bit);
        HI[b][c] = (c & bit) == 0 ? (c | bit) : N + c;
      }
    }
  }

  private SgemmTranspose() {}

  /**
   * Writes the transpose of the 16 x 16 block whose row {@code r} is {@code src[s + r * lds .. +
   * 16)} to {@code dst}: column {@code c} of the block becomes {@code dst[d + c * ldd .. + 16)}.
   */
  static void block16(float[] src, int s, int lds, float[] dst, int d, int ldd) {
    FloatVector lo0 = FloatVector.fromArray(S16, LO[0], 0);
    FloatVector hi0 = FloatVector.fromArray(S16, HI[0], 0);
    FloatVector lo1 = FloatVector.fromArray(S16, LO[1], 0);
    FloatVector hi1 = FloatVector.fromArray(S16, HI[1], 0);
    FloatVector lo2 = FloatVector.fromArray(S16, LO[2], 0);
    FloatVector hi2 = FloatVector.fromArray(S16, HI[2], 0);
    FloatVector lo3 = FloatVector.fromArray(S16, LO[3], 0);
    FloatVector hi3 = FloatVector.fromArray(S16, HI[3], 0);
    FloatVector r0 = FloatVector.fromArray(S16, src, s);
    FloatVector r1 = FloatVector.fromArray(S16, src, s + lds);
    FloatVector r2 = FloatVector.fromArray(S16, src, s + 2 * lds);
    FloatVector r3 = FloatVector.fromArray(S16, src, s + 3 * lds);
    FloatVector r4 = FloatVector.fromArray(S16, src, s + 4 * lds);
    FloatVector r5 = FloatVector.fromArray(S16, src, s + 5 * lds);
    FloatVector r6 = FloatVector.fromArray(S16, src, s + 6 * lds);
    FloatVector r7 = FloatVector.fromArray(S16, src, s + 7 * lds);
    FloatVector r8 = FloatVector.fromArray(S16, src, s + 8 * lds);
    FloatVector r9 = FloatVector.fromArray(S16, src, s + 9 * lds);
    FloatVector r10 = FloatVector.fromArray(S16, src, s + 10 * lds);
    FloatVector r11 = FloatVector.fromArray(S16, src, s + 11 * lds);
    FloatVector r12 = FloatVector.fromArray(S16, src, s + 12 * lds);
    FloatVector r13 = FloatVector.fromArray(S16, src, s + 13 * lds);
    FloatVector r14 = FloatVector.fromArray(S16, src, s + 14 * lds);
    FloatVector r15 = FloatVector.fromArray(S16, src, s + 15 * lds);
    // Bit 0: rows (0, 1), (2, 3), ...
    FloatVector t0 = lo0.selectFrom(r0, r1);
    FloatVector t1 = hi0.selectFrom(r0, r1);
    FloatVector t2 = lo0.selectFrom(r2, r3);
    FloatVector t3 = hi0.selectFrom(r2, r3);
    FloatVector t4 = lo0.selectFrom(r4, r5);
    FloatVector t5 = hi0.selectFrom(r4, r5);
    FloatVector t6 = lo0.selectFrom(r6, r7);
    FloatVector t7 = hi0.selectFrom(r6, r7);
    FloatVector t8 = lo0.selectFrom(r8, r9);
    FloatVector t9 = hi0.selectFrom(r8, r9);
    FloatVector t10 = lo0.selectFrom(r10, r11);
    FloatVector t11 = hi0.selectFrom(r10, r11);
    FloatVector t12 = lo0.selectFrom(r12, r13);
    FloatVector t13 = hi0.selectFrom(r12, r13);
    FloatVector t14 = lo0.selectFrom(r14, r15);
    FloatVector t15 = hi0.selectFrom(r14, r15);
    // Bit 1: rows (0, 2), (1, 3), ...
    r0 = lo1.selectFrom(t0, t2);
    r2 = hi1.selectFrom(t0, t2);
    r1 = lo1.selectFrom(t1, t3);
    r3 = hi1.selectFrom(t1, t3);
    r4 = lo1.selectFrom(t4, t6);
    r6 = hi1.selectFrom(t4, t6);
    r5 = lo1.selectFrom(t5, t7);
    r7 = hi1.selectFrom(t5, t7);
    r8 = lo1.selectFrom(t8, t10);
    r10 = hi1.selectFrom(t8, t10);
    r9 = lo1.selectFrom(t9, t11);
    r11 = hi1.selectFrom(t9, t11);
    r12 = lo1.selectFrom(t12, t14);
    r14 = hi1.selectFrom(t12, t14);
    r13 = lo1.selectFrom(t13, t15);
    r15 = hi1.selectFrom(t13, t15);
    // Bit 2: rows (0, 4), (1, 5), ...
    t0 = lo2.selectFrom(r0, r4);
    t4 = hi2.selectFrom(r0, r4);
    t1 = lo2.selectFrom(r1, r5);
    t5 = hi2.selectFrom(r1, r5);
    t2 = lo2.selectFrom(r2, r6);
    t6 = hi2.selectFrom(r2, r6);
    t3 = lo2.selectFrom(r3, r7);
    t7 = hi2.selectFrom(r3, r7);
    t8 = lo2.selectFrom(r8, r12);
    t12 = hi2.selectFrom(r8, r12);
    t9 = lo2.selectFrom(r9, r13);
    t13 = hi2.selectFrom(r9, r13);
    t10 = lo2.selectFrom(r10, r14);
    t14 = hi2.selectFrom(r10, r14);
    t11 = lo2.selectFrom(r11, r15);
    t15 = hi2.selectFrom(r11, r15);
    // Bit 3: rows (0, 8), (1, 9), ... - the transposed rows, stored.
    lo3.selectFrom(t0, t8).intoArray(dst, d);
    hi3.selectFrom(t0, t8).intoArray(dst, d + 8 * ldd);
    lo3.selectFrom(t1, t9).intoArray(dst, d + ldd);
    hi3.selectFrom(t1, t9).intoArray(dst, d + 9 * ldd);
    lo3.selectFrom(t2, t10).intoArray(dst, d + 2 * ldd);
    hi3.selectFrom(t2, t10).intoArray(dst, d + 10 * ldd);
    lo3.selectFrom(t3, t11).intoArray(dst, d + 3 * ldd);
    hi3.selectFrom(t3, t11).intoArray(dst, d + 11 * ldd);
    lo3.selectFrom(t4, t12).intoArray(dst, d + 4 * ldd);
    hi3.selectFrom(t4, t12).intoArray(dst, d + 12 * ldd);
    lo3.selectFrom(t5, t13).intoArray(dst, d + 5 * ldd);
    hi3.selectFrom(t5, t13).intoArray(dst, d + 13 * ldd);
    lo3.selectFrom(t6, t14).intoArray(dst, d + 6 * ldd);
    hi3.selectFrom(t6, t14).intoArray(dst, d + 14 * ldd);
    lo3.selectFrom(t7, t15).intoArray(dst, d + 7 * ldd);
    hi3.selectFrom(t7, t15).intoArray(dst, d + 15 * ldd);
  }

  /** The block size of {@link #block8}: the lanes of a 256-bit float vector (AVX2). */
  static final int N8 = 8;

  private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

  /** Per stage b of {@link #block8}: lane c takes lane {@code c ^ (1 << b)}. */
  private static final VectorShuffle<Float> X0 = xor(1);

  private static final VectorShuffle<Float> X1 = xor(2);
  private static final VectorShuffle<Float> X2 = xor(4);

  /** Per stage b of {@link #block8}: the lanes whose bit b is set. */
  private static final VectorMask<Float> M0 = bitSet(1);

  private static final VectorMask<Float> M1 = bitSet(2);
  private static final VectorMask<Float> M2 = bitSet(4);

  private static VectorShuffle<Float> xor(int bit) {
    int[] idx = new int[N8];
    for (int c = 0; c < N8; c++) {
      idx[c] = c ^ bit;
    }
    return VectorShuffle.fromArray(S8, idx, 0);
  }

  private static VectorMask<Float> bitSet(int bit) {
    boolean[] set = new boolean[N8];
    for (int c = 0; c < N8; c++) {
      set[c] = (c & bit) != 0;
    }
    return VectorMask.fromArray(S8, set, 0);
  }

  /**
   * {@link #block16} for 8 x 8 blocks with AVX2's one-source permutes: a stage pairs rows x and y
   * (differing in bit b of the row index) as {@code blend(x, y.rearrange(c ^ bit), lanes with bit
   * b)} and {@code blend(x.rearrange(c ^ bit), y, same lanes)} - one {@code vpermps} and one blend
   * per output row, three stages.
   */
  static void block8(float[] src, int s, int lds, float[] dst, int d, int ldd) {
    FloatVector r0 = FloatVector.fromArray(S8, src, s);
    FloatVector r1 = FloatVector.fromArray(S8, src, s + lds);
    FloatVector r2 = FloatVector.fromArray(S8, src, s + 2 * lds);
    FloatVector r3 = FloatVector.fromArray(S8, src, s + 3 * lds);
    FloatVector r4 = FloatVector.fromArray(S8, src, s + 4 * lds);
    FloatVector r5 = FloatVector.fromArray(S8, src, s + 5 * lds);
    FloatVector r6 = FloatVector.fromArray(S8, src, s + 6 * lds);
    FloatVector r7 = FloatVector.fromArray(S8, src, s + 7 * lds);
    // Bit 0: rows (0, 1), (2, 3), ...
    FloatVector t0 = r0.blend(r1.rearrange(X0), M0);
    FloatVector t1 = r0.rearrange(X0).blend(r1, M0);
    FloatVector t2 = r2.blend(r3.rearrange(X0), M0);
    FloatVector t3 = r2.rearrange(X0).blend(r3, M0);
    FloatVector t4 = r4.blend(r5.rearrange(X0), M0);
    FloatVector t5 = r4.rearrange(X0).blend(r5, M0);
    FloatVector t6 = r6.blend(r7.rearrange(X0), M0);
    FloatVector t7 = r6.rearrange(X0).blend(r7, M0);
    // Bit 1: rows (0, 2), (1, 3), ...
    r0 = t0.blend(t2.rearrange(X1), M1);
    r2 = t0.rearrange(X1).blend(t2, M1);
    r1 = t1.blend(t3.rearrange(X1), M1);
    r3 = t1.rearrange(X1).blend(t3, M1);
    r4 = t4.blend(t6.rearrange(X1), M1);
    r6 = t4.rearrange(X1).blend(t6, M1);
    r5 = t5.blend(t7.rearrange(X1), M1);
    r7 = t5.rearrange(X1).blend(t7, M1);
    // Bit 2: rows (0, 4), (1, 5), ... - the transposed rows, stored.
    r0.blend(r4.rearrange(X2), M2).intoArray(dst, d);
    r0.rearrange(X2).blend(r4, M2).intoArray(dst, d + 4 * ldd);
    r1.blend(r5.rearrange(X2), M2).intoArray(dst, d + ldd);
    r1.rearrange(X2).blend(r5, M2).intoArray(dst, d + 5 * ldd);
    r2.blend(r6.rearrange(X2), M2).intoArray(dst, d + 2 * ldd);
    r2.rearrange(X2).blend(r6, M2).intoArray(dst, d + 6 * ldd);
    r3.blend(r7.rearrange(X2), M2).intoArray(dst, d + 3 * ldd);
    r3.rearrange(X2).blend(r7, M2).intoArray(dst, d + 7 * ldd);
  }
}
