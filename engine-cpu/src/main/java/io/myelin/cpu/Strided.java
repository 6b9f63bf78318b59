package io.myelin.cpu;

import io.myelin.Layout;
import java.util.Arrays;

/**
 * Iteration over several strided views of one shape (operand 0 is the output by convention),
 * delivered as runs along the innermost axis so kernels only ever loop over {@code (base, stride,
 * length)}.
 *
 * <p>The shape is first coalesced: axes of size 1 are dropped and adjacent axes that every operand
 * walks with matching strides are merged, so a contiguous tensor of any rank becomes one run and a
 * row-broadcast becomes rows of a 2-D loop. Runs can start and end anywhere in the flat element
 * order, which lets {@link CpuThreads} split work at arbitrary element boundaries.
 */
final class Strided {
  /** Receives one run: {@code base[k]} is the storage index of operand k's first element. */
  @FunctionalInterface
  interface Run {
    void accept(int[] base, int length);
  }

  private final int[] shape;
  private final int[][] strides;
  private final int[] offsets;
  private final int size;

  private Strided(int[] shape, int[][] strides, int[] offsets, int size) {
    this.shape = shape;
    this.strides = strides;
    this.offsets = offsets;
    this.size = size;
  }

  /** Coalesces views that must all have the same shape. */
  static Strided of(Layout... layouts) {
    int[] shape = layouts[0].shape();
    for (Layout l : layouts) {
      if (!Arrays.equals(shape, l.shape())) {
        throw new IllegalArgumentException(
            "layouts differ in shape: "
                + Arrays.toString(shape)
                + " vs "
                + Arrays.toString(l.shape()));
      }
    }
    int ops = layouts.length;
    int[] offsets = new int[ops];
    for (int k = 0; k < ops; k++) {
      offsets[k] = layouts[k].offset();
    }
    int size = layouts[0].size();
    int[] outShape = new int[Math.max(1, shape.length)];
    int[][] outStrides = new int[ops][outShape.length];
    int rank = 0;
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] == 1) {
        continue;
      }
      if (rank > 0 && mergeable(layouts, rank - 1, outStrides, d)) {
        outShape[rank - 1] *= shape[d];
        for (int k = 0; k < ops; k++) {
          outStrides[k][rank - 1] = layouts[k].strides()[d];
        }
        continue;
      }
      outShape[rank] = shape[d];
      for (int k = 0; k < ops; k++) {
        outStrides[k][rank] = layouts[k].strides()[d];
      }
      rank++;
    }
    if (rank == 0) {
      // A scalar or all-ones shape: one element at the offsets.
      outShape[0] = 1;
      rank = 1;
    }
    int[][] strides = new int[ops][];
    for (int k = 0; k < ops; k++) {
      strides[k] = Arrays.copyOf(outStrides[k], rank);
    }
    return new Strided(Arrays.copyOf(outShape, rank), strides, offsets, size);
  }

  /** Axis {@code d} folds into the kept axis {@code last} when every operand steps evenly. */
  private static boolean mergeable(Layout[] layouts, int last, int[][] kept, int d) {
    for (int k = 0; k < layouts.length; k++) {
      long expected = (long) layouts[k].strides()[d] * layouts[k].shape()[d];
      if (kept[k][last] != expected) {
        return false;
      }
    }
    return true;
  }

  /** Number of elements. */
  int size() {
    return size;
  }

  /** Length of the innermost (coalesced) axis: the longest possible run. */
  int innerLength() {
    return shape[shape.length - 1];
  }

  /** Stride of operand {@code k} along the innermost axis. */
  int innerStride(int k) {
    return strides[k][shape.length - 1];
  }

  /** Delivers the elements {@code [from, to)} of the flat row-major order as runs. */
  void forEachRun(long from, long to, Run run) {
    int rank = shape.length;
    int inner = shape[rank - 1];
    int ops = offsets.length;
    int[] idx = new int[rank];
    long row = from / inner;
    int col = (int) (from % inner);
    for (int d = rank - 2; d >= 0; d--) {
      idx[d] = (int) (row % shape[d]);
      row /= shape[d];
    }
    int[] base = new int[ops];
    long pos = from;
    while (pos < to) {
      for (int k = 0; k < ops; k++) {
        long b = offsets[k] + (long) col * strides[k][rank - 1];
        for (int d = 0; d < rank - 1; d++) {
          b += (long) idx[d] * strides[k][d];
        }
        base[k] = (int) b;
      }
      int n = (int) Math.min(inner - col, to - pos);
      run.accept(base, n);
      pos += n;
      col = 0;
      for (int d = rank - 2; d >= 0 && ++idx[d] == shape[d]; d--) {
        idx[d] = 0;
      }
    }
  }

  /**
   * Runs {@code run} over every element, split across {@code threads} when large.
   *
   * @param workPerElement rough cost of one element (1 for arithmetic, ~20 for transcendentals)
   */
  void parallel(CpuThreads threads, int workPerElement, Run run) {
    if (size == 0) {
      return;
    }
    // Split into pieces of whole-ish chunks; the flat order makes any boundary valid.
    int chunk = 4096;
    int pieces = (int) ((size + (long) chunk - 1) / chunk);
    threads.parallelFor(
        pieces,
        (long) chunk * workPerElement,
        (p0, p1) -> forEachRun((long) p0 * chunk, Math.min(size, (long) p1 * chunk), run));
  }
}
