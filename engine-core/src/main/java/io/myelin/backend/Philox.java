package io.myelin.backend;

/**
 * Philox4x32-10, the counter-based generator of Salmon et al. (SC'11, "Parallel random numbers: as
 * easy as 1, 2, 3"), and Myelin's stream layout on top of it. Every backend implements exactly this
 * layout so that a seed gives the same numbers on any device.
 *
 * <h2>Stream layout</h2>
 *
 * A fill of {@code n} elements with seed {@code s} starting at block counter {@code c} computes,
 * for element {@code i}: block {@code b = c + i / 4} (a 64-bit counter), lane {@code i % 4}, and
 * the four 32-bit words {@code philox(counter = (lo(b), hi(b), 0, 0), key = (lo(s), hi(s)))}.
 *
 * <ul>
 *   <li>Uniform in [0, 1): {@code (word >>> 8) * 2^-24}, then {@code low + (high - low) * u}.
 *   <li>Normal: Box-Muller on lane pairs (0, 1) and (2, 3) of each block: {@code u1 = ((w0 >>> 8) +
 *       1) * 2^-24} in (0, 1], {@code u2 = (w1 >>> 8) * 2^-24}, {@code r = sqrt(-2 ln u1)}, lane 0
 *       = {@code r cos(2 pi u2)}, lane 1 = {@code r sin(2 pi u2)}; likewise lanes 2, 3 from words
 *       2, 3. Computed in double precision, then rounded to the output dtype.
 * </ul>
 *
 * A {@link io.myelin.Generator} hands out block counters: each fill takes {@code ceil(n / 4)}
 * blocks, so consecutive fills never overlap.
 */
public final class Philox {
  private static final int M0 = 0xD2511F53;
  private static final int M1 = 0xCD9E8D57;
  private static final int W0 = 0x9E3779B9;
  private static final int W1 = 0xBB67AE85;

  /** 2^-24, the spacing of the 24-bit uniform grid. */
  public static final double TWO_POW_MINUS_24 = 1.0 / (1 << 24);

  private Philox() {}

  /**
   * One Philox4x32-10 block.
   *
   * @param out receives the four output words
   */
  public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
    for (int round = 0; round < 10; round++) {
      if (round > 0) {
        k0 += W0;
        k1 += W1;
      }
      long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
      long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
      int hi0 = (int) (p0 >>> 32);
      int lo0 = (int) p0;
      int hi1 = (int) (p1 >>> 32);
      int lo1 = (int) p1;
      c0 = hi1 ^ c1 ^ k0;
      c1 = lo1;
      c2 = hi0 ^ c3 ^ k1;
      c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }

  /** The four words of block {@code blockCounter} for {@code seed} (the stream layout above). */
  public static void block(long seed, long blockCounter, int[] out) {
    block(
        (int) blockCounter,
        (int) (blockCounter >>> 32),
        0,
        0,
        (int) seed,
        (int) (seed >>> 32),
        out);
  }

  /** Uniform [0, 1) from one word. */
  public static double uniform(int word) {
    return (word >>> 8) * TWO_POW_MINUS_24;
  }

  /** Box-Muller radius from the first word of a pair. */
  public static double boxMullerRadius(int word) {
    return Math.sqrt(-2.0 * Math.log(((word >>> 8) + 1) * TWO_POW_MINUS_24));
  }

  /** Box-Muller angle from the second word of a pair. */
  public static double boxMullerAngle(int word) {
    return 2.0 * Math.PI * ((word >>> 8) * TWO_POW_MINUS_24);
  }

  /**
   * Reference fill of standard normals (double precision) following the stream layout; the CPU
   * backend and the tests use it.
   */
  public static void normals(long seed, long blockCounter, double[] out, int offset, int n) {
    int[] w = new int[4];
    for (int i = 0; i < n; i += 4) {
      block(seed, blockCounter + i / 4, w);
      double r0 = boxMullerRadius(w[0]);
      double t0 = boxMullerAngle(w[1]);
      double r1 = boxMullerRadius(w[2]);
      double t1 = boxMullerAngle(w[3]);
      double[] v = {r0 * Math.cos(t0), r0 * Math.sin(t0), r1 * Math.cos(t1), r1 * Math.sin(t1)};
      for (int j = 0; j < 4 && i + j < n; j++) {
        out[offset + i + j] = v[j];
      }
    }
  }

  /** Reference fill of uniforms in [0, 1) following the stream layout. */
  public static void uniforms(long seed, long blockCounter, double[] out, int offset, int n) {
    int[] w = new int[4];
    for (int i = 0; i < n; i += 4) {
      block(seed, blockCounter + i / 4, w);
      for (int j = 0; j < 4 && i + j < n; j++) {
        out[offset + i + j] = uniform(w[j]);
      }
    }
  }

  /** Number of blocks a fill of {@code n} elements consumes. */
  public static long blocksFor(long n) {
    return (n + 3) / 4;
  }
}
