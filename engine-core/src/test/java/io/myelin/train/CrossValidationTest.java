package io.myelin.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.data.ArrayDataset;
import io.myelin.data.KFold;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** K-fold evaluation: every row validated once, stratified folds, the statistics, errors. */
class CrossValidationTest {
  /** 103 rows, 3 unbalanced classes (60/30/13); feature 0 is the row's index. */
  private static ArrayDataset data() {
    int n = 103;
    float[] x = new float[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
      y[i] = i < 60 ? 0 : i < 90 ? 1 : 2;
    }
    return ArrayDataset.classification(x, n, 1, y, 3);
  }

  @Test
  void everyRowIsValidatedOnceInStratifiedFolds() throws Exception {
    ArrayDataset d = data();
    Set<Float> seen = new HashSet<>();
    List<int[]> classCounts = new ArrayList<>();
    CrossValidation.Result r =
        CrossValidation.kFold(
            d,
            new KFold(5, true, 3),
            (train, val, fold) -> {
              assertEquals(d.rows(), train.rows() + val.rows(), "fold " + fold);
              for (int i = 0; i < val.rows(); i++) {
                assertTrue(
                    seen.add(val.feature(i, 0)), "row validated twice: " + val.feature(i, 0));
              }
              for (int i = 0; i < train.rows(); i++) {
                float row = train.feature(i, 0);
                for (int j = 0; j < val.rows(); j++) {
                  assertTrue(val.feature(j, 0) != row, "row in both halves of fold " + fold);
                }
              }
              classCounts.add(val.classCounts());
              return new Trainer.Evaluation(0, 0, val.rows());
            });
    assertEquals(5, r.folds().size());
    assertEquals(d.rows(), seen.size(), "every row validated");
    int[] total = {60, 30, 13};
    for (int[] c : classCounts) {
      for (int k = 0; k < 3; k++) {
        assertTrue(Math.abs(c[k] - total[k] / 5.0) <= 1, "class " + k + " share: " + c[k]);
      }
    }
  }

  @Test
  void meanAndSampleStandardDeviationOfTheFolds() throws Exception {
    CrossValidation.Result r =
        CrossValidation.kFold(
            data(),
            new KFold(4, false, 0),
            (train, val, fold) -> new Trainer.Evaluation(10 - fold, 0.5 + 0.1 * fold, val.rows()));
    assertEquals(0.65, r.meanMetric(), 1e-12);
    // metrics 0.5, 0.6, 0.7, 0.8: sample variance = (0.0225 + 0.0025) * 2 / 3
    assertEquals(Math.sqrt(0.05 / 3), r.stdMetric(), 1e-12);
    assertEquals(8.5, r.meanLoss(), 1e-12);
    assertEquals(Math.sqrt(5.0 / 3), r.stdLoss(), 1e-12);
    assertEquals(
        0, new CrossValidation.Result(List.of(new Trainer.Evaluation(1, 2, 3))).stdMetric());
  }

  @Test
  void aFailingTrialNamesItsFold() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                CrossValidation.kFold(
                    data(),
                    new KFold(3, false, 0),
                    (train, val, fold) -> {
                      if (fold == 2) {
                        throw new IllegalStateException("diverged");
                      }
                      return new Trainer.Evaluation(0, 0, 1);
                    }));
    assertEquals("diverged", e.getMessage());
    assertEquals("in fold 2 of 3", e.getSuppressed()[0].getMessage());
    assertThrows(IllegalArgumentException.class, () -> new CrossValidation.Result(List.of()));
  }
}
