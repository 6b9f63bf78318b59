package io.myelin.examples;

import io.myelin.data.ArrayDataset;
import io.myelin.data.Split;
import io.myelin.data.Splits;

/**
 * A dataset split into train / validation / test and preprocessed with statistics of the training
 * part only (so nothing about the held-out rows leaks into training).
 *
 * @param source the dataset as loaded
 * @param train rows to fit on
 * @param validation rows for early stopping, or null
 * @param test held-out rows, or null when {@code --test-split 0}
 * @param preprocessing what was applied, with the fitted statistics (saved beside the weights)
 */
public record PreparedData(
    LoadedDataset source,
    ArrayDataset train,
    ArrayDataset validation,
    ArrayDataset test,
    Preprocessing preprocessing) {

  /**
   * Splits (stratified for classification, seeded) and preprocesses. A dataset with its own test
   * set keeps it, and only the validation part is split off its training rows.
   *
   * @throws IllegalArgumentException for fractions outside [0, 1) or leaving no training rows
   */
  public static PreparedData of(LoadedDataset d, double testSplit, double valSplit, long seed) {
    ArrayDataset all = d.data();
    double test = d.fixedTest() != null ? 0 : testSplit;
    Split s =
        all.isClassification()
            ? Splits.stratified(all.labels(), valSplit, test, seed)
            : Splits.random(all.rows(), valSplit, test, seed);
    ArrayDataset train = all.select(s.train());
    ArrayDataset val = s.validation().length == 0 ? null : all.select(s.validation());
    ArrayDataset tst =
        d.fixedTest() != null ? d.fixedTest() : s.test().length == 0 ? null : all.select(s.test());
    Preprocessing p = d.standardize() ? d.preprocessing().standardizedOn(train) : d.preprocessing();
    return new PreparedData(
        d,
        p.standardize(train),
        val == null ? null : p.standardize(val),
        tst == null ? null : p.standardize(tst),
        p);
  }

  public boolean isClassification() {
    return train.isClassification();
  }
}
