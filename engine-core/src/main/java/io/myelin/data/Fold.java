package io.myelin.data;

/**
 * One fold of a cross-validation: the rows to train on and the rows to validate on, each sorted
 * ascending and disjoint.
 *
 * @param index the fold number, {@code 0 .. k-1}
 * @param train rows of the other folds
 * @param validation rows of this fold
 */
public record Fold(int index, int[] train, int[] validation) {}
