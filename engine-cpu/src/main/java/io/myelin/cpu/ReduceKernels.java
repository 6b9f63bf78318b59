package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.backend.ReduceOp;

/**
 * Reductions of the middle axis of a contiguous {@code [outer, reduced, inner]} block.
 *
 * <p>Accuracy and determinism: sums accumulate in double (for float32 too), in a fixed order that
 * does not depend on the thread count. Threads split over output elements; a long single row
 * ({@code inner == 1}) is summed as fixed-size blocks whose partial sums are added in order, so
 * even a full reduction of one huge vector can use every thread and still give the same bits.
 * MAX/MIN propagate NaN; ARGMAX/ARGMIN return the first index of the extreme value, and a NaN
 * counts as the extreme (PyTorch's rule), so its first index wins.
 */
final class ReduceKernels {
  /** Elements per partial sum of a long row: fixed, so results never depend on threads. */
  static final int BLOCK = 8192;

  /** Output columns handled together when {@code inner > 1}: the accumulator row stays in L1. */
  private static final int COLUMNS = 1024;

  private ReduceKernels() {}

  static void reduce(
      CpuThreads threads,
      ReduceOp op,
      CpuStorage x,
      int xo,
      int outer,
      int reduced,
      int inner,
      CpuStorage out,
      int oo) {
    if (outer == 0 || inner == 0) {
      return;
    }
    if (inner == 1 && (op == ReduceOp.SUM || op == ReduceOp.MEAN)) {
      blockedRowSums(threads, op, x, xo, outer, reduced, out, oo);
      return;
    }
    int tiles = (inner + COLUMNS - 1) / COLUMNS;
    threads.parallelFor(
        outer * tiles,
        (long) reduced * Math.min(inner, COLUMNS),
        (t0, t1) -> {
          double[] acc = new double[Math.min(inner, COLUMNS)];
          int[] arg = op.producesIndices() ? new int[acc.length] : null;
          for (int t = t0; t < t1; t++) {
            int o = t / tiles;
            int j0 = (t % tiles) * COLUMNS;
            int width = Math.min(COLUMNS, inner - j0);
            columns(op, x, xo + o * reduced * inner + j0, reduced, inner, width, acc, arg);
            write(op, acc, arg, reduced, out, oo + o * inner + j0, width);
          }
        });
  }

  /**
   * Reduces {@code width} adjacent columns starting at {@code start}: row r of the block is at
   * {@code start + r * inner}. The row-by-row walk reads memory in order for any inner size.
   */
  private static void columns(
      ReduceOp op,
      CpuStorage x,
      int start,
      int reduced,
      int inner,
      int width,
      double[] acc,
      int[] arg) {
    boolean f32 = x.dtype() == DType.FLOAT32;
    float[] xf = f32 ? x.floats() : null;
    double[] xd = f32 ? null : x.doubles();
    for (int j = 0; j < width; j++) {
      acc[j] =
          switch (op) {
            case SUM, MEAN -> 0.0;
            case MAX, ARGMAX -> Double.NEGATIVE_INFINITY;
            case MIN, ARGMIN -> Double.POSITIVE_INFINITY;
          };
      if (arg != null) {
        arg[j] = 0;
      }
    }
    for (int r = 0; r < reduced; r++) {
      int row = start + r * inner;
      switch (op) {
        case SUM, MEAN -> {
          if (f32) {
            for (int j = 0; j < width; j++) acc[j] += xf[row + j];
          } else {
            for (int j = 0; j < width; j++) acc[j] += xd[row + j];
          }
        }
        // Math.max/min return NaN if either side is NaN, so NaN sticks once seen.
        case MAX -> {
          for (int j = 0; j < width; j++)
            acc[j] = Math.max(acc[j], f32 ? xf[row + j] : xd[row + j]);
        }
        case MIN -> {
          for (int j = 0; j < width; j++)
            acc[j] = Math.min(acc[j], f32 ? xf[row + j] : xd[row + j]);
        }
        case ARGMAX, ARGMIN -> {
          boolean max = op == ReduceOp.ARGMAX;
          for (int j = 0; j < width; j++) {
            double v = f32 ? xf[row + j] : xd[row + j];
            double best = acc[j];
            // Strict comparisons keep the first index on ties; a NaN beats everything but NaN.
            boolean better =
                Double.isNaN(v)
                    ? !Double.isNaN(best)
                    : !Double.isNaN(best) && (max ? v > best : v < best);
            if (better || r == 0) {
              acc[j] = v;
              arg[j] = r;
            }
          }
        }
      }
    }
  }

  private static void write(
      ReduceOp op, double[] acc, int[] arg, int reduced, CpuStorage out, int at, int width) {
    switch (out.dtype()) {
      case INT32 -> System.arraycopy(arg, 0, out.ints(), at, width);
      case FLOAT32 -> {
        float[] o = out.floats();
        for (int j = 0; j < width; j++) o[at + j] = (float) finish(op, acc[j], reduced);
      }
      case FLOAT64 -> {
        double[] o = out.doubles();
        for (int j = 0; j < width; j++) o[at + j] = finish(op, acc[j], reduced);
      }
    }
  }

  private static double finish(ReduceOp op, double acc, int reduced) {
    // MEAN of nothing is 0 / 0 = NaN, as the SPI specifies.
    return op == ReduceOp.MEAN ? acc / reduced : acc;
  }

  /** SUM/MEAN of {@code outer} contiguous rows, each summed as fixed blocks. */
  private static void blockedRowSums(
      CpuThreads threads,
      ReduceOp op,
      CpuStorage x,
      int xo,
      int outer,
      int reduced,
      CpuStorage out,
      int oo) {
    int blocks = (reduced + BLOCK - 1) / BLOCK;
    double[] partial = new double[outer * blocks];
    boolean f32 = x.dtype() == DType.FLOAT32;
    threads.parallelFor(
        outer * blocks,
        Math.min(BLOCK, reduced),
        (t0, t1) -> {
          for (int t = t0; t < t1; t++) {
            int o = t / blocks;
            int from = (t % blocks) * BLOCK;
            int n = Math.min(BLOCK, reduced - from);
            int at = xo + o * reduced + from;
            partial[t] = f32 ? sum(x.floats(), at, n) : sum(x.doubles(), at, n);
          }
        });
    for (int o = 0; o < outer; o++) {
      double s = 0;
      for (int blk = 0; blk < blocks; blk++) {
        s += partial[o * blocks + blk];
      }
      double v = finish(op, s, reduced);
      if (f32) {
        out.floats()[oo + o] = (float) v;
      } else {
        out.doubles()[oo + o] = v;
      }
    }
  }

  /** Four independent double accumulators: fixed order, and the adds overlap in the pipeline. */
  private static double sum(float[] x, int at, int n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += x[at + i];
      s1 += x[at + i + 1];
      s2 += x[at + i + 2];
      s3 += x[at + i + 3];
    }
    for (; i < n; i++) {
      s0 += x[at + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private static double sum(double[] x, int at, int n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += x[at + i];
      s1 += x[at + i + 1];
      s2 += x[at + i + 2];
      s3 += x[at + i + 3];
    }
    for (; i < n; i++) {
      s0 += x[at + i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
