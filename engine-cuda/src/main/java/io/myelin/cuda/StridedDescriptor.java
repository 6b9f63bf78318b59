package io.myelin.cuda;

import java.util.Arrays;

/**
 * The by-value {@code Strided} kernel parameter of {@code kernels/src/main/cuda/common.cuh}: a view
 * shared by up to {@value #MAX_OPERANDS} operands (same shape, own strides), coalesced to at most
 * {@value #MAX_DIMS} dimensions.
 *
 * <p>Coalescing drops size-1 dimensions and merges a dimension into the next inner one when every
 * operand steps over it exactly as if the two were one ({@code stride[d] == stride[d+1] *
 * shape[d+1]}). A dense view becomes one dimension of stride 1 and the kernel takes its fast path
 * ({@code contiguous = 1}); a broadcast row stays two dimensions with a 0 stride. Layout (as
 * int[]): {@code rank, contiguous, shape[8], strides[4][8]}, 42 ints.
 */
final class StridedDescriptor {
  static final int MAX_DIMS = 8;
  static final int MAX_OPERANDS = 4;
  static final int INTS = 2 + MAX_DIMS + MAX_OPERANDS * MAX_DIMS;

  private StridedDescriptor() {}

  /**
   * Packs the view {@code shape} with one stride array per operand (in kernel parameter order).
   *
   * @throws IllegalArgumentException when operands disagree in rank, there are more than {@value
   *     #MAX_OPERANDS}, or the view still has more than {@value #MAX_DIMS} dimensions after
   *     coalescing
   */
  static int[] pack(int[] shape, int[]... strides) {
    if (strides.length == 0 || strides.length > MAX_OPERANDS) {
      throw new IllegalArgumentException(
          "1 to " + MAX_OPERANDS + " operands, got " + strides.length);
    }
    for (int[] s : strides) {
      if (s.length != shape.length) {
        throw new IllegalArgumentException(
            "strides " + Arrays.toString(s) + " do not match shape " + Arrays.toString(shape));
      }
    }
    int ops = strides.length;
    // Innermost first while merging; reversed when packing.
    int[] dims = new int[shape.length];
    int[][] st = new int[ops][shape.length];
    int rank = 0;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] == 1) {
        continue;
      }
      if (rank > 0 && mergeable(strides, d, st, rank - 1, dims[rank - 1])) {
        dims[rank - 1] *= shape[d];
        continue;
      }
      dims[rank] = shape[d];
      for (int k = 0; k < ops; k++) {
        st[k][rank] = strides[k][d];
      }
      rank++;
    }
    if (rank == 0) { // a scalar or all-ones shape: one element
      dims = new int[] {1};
      st = new int[ops][1];
      for (int k = 0; k < ops; k++) {
        st[k][0] = 1;
      }
      rank = 1;
    }
    if (rank > MAX_DIMS) {
      throw new IllegalArgumentException(
          "view of shape "
              + Arrays.toString(shape)
              + " has "
              + rank
              + " dimensions after coalescing; CUDA kernels take at most "
              + MAX_DIMS);
    }
    int[] packed = new int[INTS];
    packed[0] = rank;
    boolean contiguous = rank == 1;
    for (int k = 0; k < ops; k++) {
      contiguous &= st[k][0] == 1;
    }
    packed[1] = contiguous ? 1 : 0;
    for (int i = 0; i < rank; i++) {
      int d = rank - 1 - i; // outermost first in the kernel's order
      packed[2 + i] = dims[d];
      for (int k = 0; k < ops; k++) {
        packed[2 + MAX_DIMS + k * MAX_DIMS + i] = st[k][d];
      }
    }
    return packed;
  }

  private static boolean mergeable(int[][] strides, int d, int[][] st, int inner, int innerSize) {
    for (int k = 0; k < strides.length; k++) {
      if ((long) strides[k][d] != (long) st[k][inner] * innerSize) {
        return false;
      }
    }
    return true;
  }

  /** Storage offset of flat element {@code flat} for operand {@code k}: the kernel's arithmetic. */
  static long offsetOf(int[] packed, int k, long flat) {
    long off = 0;
    for (int d = packed[0] - 1; d >= 0; d--) {
      int n = packed[2 + d];
      off += (flat % n) * packed[2 + MAX_DIMS + k * MAX_DIMS + d];
      flat /= n;
    }
    return off;
  }
}
