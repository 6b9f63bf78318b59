package io.myelin.data;

/** What the target column of a table is for. */
public enum Task {
  /**
   * Decide from the data: classification when the target is categorical (any non-missing value is
   * not a number) or integer-valued with at most {@link CsvOptions#maxClasses()} distinct values;
   * regression otherwise.
   */
  AUTO,
  /** Class labels: each distinct target value is a class, numbered in sorted order. */
  CLASSIFY,
  /** A numeric target predicted as a real value. */
  REGRESS
}
