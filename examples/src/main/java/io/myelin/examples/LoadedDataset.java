package io.myelin.examples;

import io.myelin.data.ArrayDataset;

/**
 * A dataset as its loader returns it, before splitting.
 *
 * @param name the name it was asked for ({@code diabetes}, {@code csv:data.csv}...)
 * @param data every row, with the loader's division already applied
 * @param fixedTest the dataset's own test set (MNIST's {@code t10k} files), or null to split one
 *     off
 * @param preprocessing the division the loader applied; standardisation is added after the split
 * @param standardize whether to standardise with training-set statistics after the split
 * @param description one line for the run's header, e.g. {@code Pima Indians diabetes, 768 x 8}
 */
public record LoadedDataset(
    String name,
    ArrayDataset data,
    ArrayDataset fixedTest,
    Preprocessing preprocessing,
    boolean standardize,
    String description) {

  public boolean isClassification() {
    return data.isClassification();
  }

  /** Classes for classification, the number of target columns for regression. */
  public int outputs() {
    return data.isClassification() ? data.numClasses() : data.targetCols();
  }
}
