package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.backend.Philox;

/**
 * Uniform and normal fills following {@link Philox}'s stream layout exactly: element {@code i}
 * takes lane {@code i % 4} of block {@code blockCounter + i / 4}. Values are computed in double and
 * rounded once to the output dtype, so a seed gives the same numbers as the reference {@link
 * Philox#uniforms}/{@link Philox#normals} and as every other backend. Each element depends only on
 * its index, so threads split over blocks freely.
 */
final class RandomFill {
  /** Philox blocks (4 elements each) per scheduling item. */
  private static final int BLOCKS_PER_ITEM = 1024;

  private RandomFill() {}

  static void uniform(
      CpuThreads threads,
      CpuStorage dst,
      int offset,
      int length,
      long seed,
      long blockCounter,
      double low,
      double high) {
    fill(threads, dst, offset, length, seed, blockCounter, false, low, high - low);
  }

  static void normal(
      CpuThreads threads,
      CpuStorage dst,
      int offset,
      int length,
      long seed,
      long blockCounter,
      double mean,
      double std) {
    fill(threads, dst, offset, length, seed, blockCounter, true, mean, std);
  }

  /** Writes {@code shift + scale * r} for uniforms or normals {@code r}. */
  private static void fill(
      CpuThreads threads,
      CpuStorage dst,
      int offset,
      int length,
      long seed,
      long blockCounter,
      boolean normal,
      double shift,
      double scale) {
    long blocks = Philox.blocksFor(length);
    int items = (int) ((blocks + BLOCKS_PER_ITEM - 1) / BLOCKS_PER_ITEM);
    boolean f32 = dst.dtype() == DType.FLOAT32;
    threads.parallelFor(
        items,
        BLOCKS_PER_ITEM * 40L,
        (t0, t1) -> {
          int[] w = new int[4];
          double[] v = new double[4];
          long firstBlock = (long) t0 * BLOCKS_PER_ITEM;
          long endBlock = Math.min(blocks, (long) t1 * BLOCKS_PER_ITEM);
          for (long blk = firstBlock; blk < endBlock; blk++) {
            Philox.block(seed, blockCounter + blk, w);
            if (normal) {
              double r0 = Philox.boxMullerRadius(w[0]);
              double t0a = Philox.boxMullerAngle(w[1]);
              double r1 = Philox.boxMullerRadius(w[2]);
              double t1a = Philox.boxMullerAngle(w[3]);
              v[0] = r0 * Math.cos(t0a);
              v[1] = r0 * Math.sin(t0a);
              v[2] = r1 * Math.cos(t1a);
              v[3] = r1 * Math.sin(t1a);
            } else {
              for (int j = 0; j < 4; j++) {
                v[j] = Philox.uniform(w[j]);
              }
            }
            int i0 = (int) (blk * 4);
            for (int j = 0; j < 4 && i0 + j < length; j++) {
              double value = shift + scale * v[j];
              if (f32) {
                dst.floats()[offset + i0 + j] = (float) value;
              } else {
                dst.doubles()[offset + i0 + j] = value;
              }
            }
          }
        });
  }
}
