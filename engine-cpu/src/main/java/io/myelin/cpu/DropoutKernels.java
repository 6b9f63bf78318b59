package io.myelin.cpu;

import io.myelin.backend.Philox;

/**
 * The CPU's inverted dropout ({@link io.myelin.backend.Backend#dropout} and its backward): the keep
 * mask of element i is {@code u_i >= p} with {@code u_i} the Philox uniform that {@code
 * randomUniform(seed, blockCounter, 0, 1)} writes at i, so a seed drops the same units here and on
 * a GPU. Stateless and thread-safe.
 */
final class DropoutKernels {
  private DropoutKernels() {}

  /** {@code out_i = in_i * (keep_i ? 1 / (1 - p) : 0)} over {@code n} elements. */
  static void apply(
      double p,
      long seed,
      long blockCounter,
      CpuStorage in,
      int inOffset,
      CpuStorage out,
      int outOffset,
      int n) {
    boolean f32 = in.dtype() == io.myelin.DType.FLOAT32;
    double pT = f32 ? (float) p : p;
    double scale = f32 ? (float) (1 / (1 - p)) : 1 / (1 - p);
    int[] w = new int[4];
    for (int blk = 0; blk * 4 < n; blk++) {
      Philox.block(seed, blockCounter + blk, w);
      for (int lane = 0; lane < 4 && blk * 4 + lane < n; lane++) {
        int i = blk * 4 + lane;
        double m = Philox.uniform(w[lane]) >= pT ? scale : 0;
        if (f32) {
          out.floats()[outOffset + i] = in.floats()[inOffset + i] * (float) m;
        } else {
          out.doubles()[outOffset + i] = in.doubles()[inOffset + i] * m;
        }
      }
    }
  }
}
