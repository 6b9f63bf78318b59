package io.myelin.data;

/**
 * Row indices of a train / validation / test partition, each sorted ascending. Together they hold
 * every index of {@code [0, n)} exactly once; validation or test may be empty.
 *
 * @param train rows to fit on
 * @param validation rows for model selection (early stopping, hyperparameters)
 * @param test rows held out for the final estimate
 */
public record Split(int[] train, int[] validation, int[] test) {
  public Split {
    if (train == null || validation == null || test == null) {
      throw new IllegalArgumentException("split index arrays must not be null");
    }
  }
}
