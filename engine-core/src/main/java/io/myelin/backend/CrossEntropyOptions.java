package io.myelin.backend;

/**
 * The sizes and scalars of one {@link Backend#crossEntropy} / {@link Backend#crossEntropyBackward}
 * call, validated here so backends can trust them.
 *
 * @param rows samples (rows of the logits), at least 0
 * @param classes classes (columns of the logits), at least 1
 * @param probabilityTargets targets are {@code [rows, classes]} probabilities of the logits' dtype;
 *     otherwise {@code [rows]} INT32 class indices
 * @param ignoreIndex class-index targets equal to it contribute nothing (unused for probabilities)
 * @param labelSmoothing {@code e} in [0, 1]
 * @param mean the reduced loss is the (weighted) mean rather than the sum
 */
public record CrossEntropyOptions(
    int rows,
    int classes,
    boolean probabilityTargets,
    int ignoreIndex,
    double labelSmoothing,
    boolean mean) {

  public CrossEntropyOptions {
    if (rows < 0 || classes < 1) {
      throw new IllegalArgumentException(
          "crossEntropy: need rows >= 0 and classes >= 1, got " + rows + " x " + classes);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException(
          "crossEntropy: labelSmoothing must be in [0, 1], got " + labelSmoothing);
    }
    Math.multiplyExact(rows, classes); // element counts stay below 2^31
  }
}
