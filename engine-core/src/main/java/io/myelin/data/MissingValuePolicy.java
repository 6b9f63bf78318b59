package io.myelin.data;

/**
 * What a reader does with a missing value (an empty field or one of {@link
 * CsvOptions#missingTokens()}).
 *
 * <p>A missing <em>target</em> can only be dropped: under MEAN and ZERO it is an error, because an
 * invented label would silently teach the model something false.
 */
public enum MissingValuePolicy {
  /** Refuse the file, naming the line and column of the first missing value (the default). */
  ERROR,
  /** Leave out every row that has a missing value. */
  DROP_ROW,
  /**
   * Replace with the column's mean over the non-missing values of the table the encoder was fitted
   * on (the training data); a categorical column gets its most frequent category.
   */
  MEAN,
  /** Replace with 0; a categorical column gets an all-zero one-hot group. */
  ZERO
}
