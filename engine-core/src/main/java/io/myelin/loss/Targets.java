package io.myelin.loss;

import io.myelin.Tensor;
import java.util.Arrays;

/** Shape checks and class-index helpers shared by the losses; everything stays on the device. */
final class Targets {
  private Targets() {}

  /** Throws unless input and target have the same shape. */
  static void checkSameShape(String loss, Tensor input, Tensor target) {
    if (!Arrays.equals(input.shape(), target.shape())) {
      throw new IllegalArgumentException(
          loss
              + ": input shape "
              + Arrays.toString(input.shape())
              + " and target shape "
              + Arrays.toString(target.shape())
              + " must be equal");
    }
  }

  /** {@code target} in the input's dtype (a no-op when it already is). */
  static Tensor like(Tensor target, Tensor input) {
    return target.dtype() == input.dtype() ? target : target.to(input.dtype());
  }

  /**
   * Moves the class dim 1 of {@code [N, C, d1, ...]} last and flattens to {@code [M, C]} (M = N *
   * d1 * ...); a {@code [C]} input becomes {@code [1, C]}; {@code [N, C]} is returned as is.
   */
  static Tensor classesLast(Tensor input) {
    int r = input.rank();
    if (r == 1) {
      return input.reshape(1, input.size(0));
    }
    if (r == 2) {
      return input;
    }
    int[] order = new int[r];
    order[0] = 0;
    for (int d = 2; d < r; d++) {
      order[d - 1] = d;
    }
    order[r - 1] = 1;
    return input.permute(order).reshape(-1, input.size(1));
  }

  /** The shape per-sample losses have with reduction NONE: the input shape without dim 1. */
  static int[] sampleShape(int[] inputShape) {
    if (inputShape.length == 1) {
      return new int[0];
    }
    int[] s = new int[inputShape.length - 1];
    s[0] = inputShape[0];
    System.arraycopy(inputShape, 2, s, 1, inputShape.length - 2);
    return s;
  }

  /**
   * Checks class-index targets against an input of shape {@code [N, C, d...]} (or {@code [C]}): the
   * target must have the input's shape without dim 1 (int32; a floating tensor of whole numbers is
   * accepted too).
   */
  static void checkIndexTarget(String loss, Tensor input, Tensor target) {
    if (input.rank() < 1) {
      throw new IllegalArgumentException(loss + ": input must have a class dim, got shape []");
    }
    if (!Arrays.equals(target.shape(), sampleShape(input.shape()))) {
      throw new IllegalArgumentException(
          loss
              + ": class-index target shape "
              + Arrays.toString(target.shape())
              + " does not match input shape "
              + Arrays.toString(input.shape())
              + " (expected "
              + Arrays.toString(sampleShape(input.shape()))
              + ": the input without its class dim 1)");
    }
  }

  /**
   * The one-hot {@code [M, C]} of class indices {@code labels} (any shape, M elements) in the dtype
   * and on the device of {@code like}, composed on the device: {@code labels[:, None] ==
   * arange(C)[None, :]}. An index outside [0, C) (such as an ignore index of -100) gives a zero
   * row.
   */
  static Tensor oneHot(Tensor labels, int classes, Tensor like) {
    Tensor column = labels.to(like.dtype()).reshape(-1, 1);
    Tensor range = Tensor.arange(classes).to(like.device()).to(like.dtype()).reshape(1, classes);
    return column.eq(range);
  }
}
