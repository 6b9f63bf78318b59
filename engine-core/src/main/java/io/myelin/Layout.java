package io.myelin;

import java.util.Arrays;

/**
 * Shape, strides (in elements) and offset of a tensor view over its storage.
 *
 * <p>Element {@code (i0, ..., in)} lives at {@code offset + sum(ik * strides[k])}. A stride of 0
 * repeats an element along that dimension (broadcast / expand). Arrays passed in are copied;
 * accessors return the internal arrays for speed: callers must not modify them.
 *
 * @param shape sizes per dimension; a scalar has shape {@code []}
 * @param strides element strides per dimension, same length as {@code shape}
 * @param offset index of element (0, ..., 0) in the storage
 */
public record Layout(int[] shape, int[] strides, int offset) {

  public Layout {
    if (shape.length != strides.length) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " and strides "
              + Arrays.toString(strides)
              + " differ in rank");
    }
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
    }
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset);
    }
    shape = shape.clone();
    strides = strides.clone();
  }

  /** Row-major contiguous layout of {@code shape} at offset 0. */
  public static Layout contiguous(int... shape) {
    return new Layout(shape, contiguousStrides(shape), 0);
  }

  /** Row-major strides for {@code shape}. */
  public static int[] contiguousStrides(int[] shape) {
    int[] s = new int[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = (int) acc;
      acc *= Math.max(shape[i], 1);
    }
    return s;
  }

  /** Number of elements: the product of the shape (1 for a scalar). */
  public static long numel(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  public int rank() {
    return shape.length;
  }

  /** Number of elements as an int (tensors are limited to 2^31-1 elements). */
  public int size() {
    long n = numel(shape);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalStateException("tensor of " + n + " elements exceeds 2^31-1");
    }
    return (int) n;
  }

  /**
   * True when the view is row-major and dense (its elements are storage[offset .. offset+size)).
   */
  public boolean isContiguous() {
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && strides[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** Storage index of the element at flat row-major position {@code flat}. */
  public int indexOf(int flat) {
    int idx = offset;
    for (int d = shape.length - 1; d >= 0; d--) {
      int n = shape[d];
      if (n == 0) {
        return offset;
      }
      idx += (flat % n) * strides[d];
      flat /= n;
    }
    return idx;
  }

  /** Largest storage index this view touches plus one (0 for an empty view). */
  public long extent() {
    long max = offset;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == 0) {
        return 0;
      }
      max += (long) (shape[i] - 1) * strides[i];
    }
    return max + 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Layout l
        && offset == l.offset
        && Arrays.equals(shape, l.shape)
        && Arrays.equals(strides, l.strides);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(shape) + Arrays.hashCode(strides)) + offset;
  }

  @Override
  public String toString() {
    return "Layout"
        + Arrays.toString(shape)
        + " strides="
        + Arrays.toString(strides)
        + " offset="
        + offset;
  }
}
