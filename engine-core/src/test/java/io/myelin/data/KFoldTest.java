package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KFoldTest {
  static void assertFolds(List<Fold> folds, int n, int k) {
    assertEquals(k, folds.size());
    int[] seen = new int[n];
    for (int f = 0; f < k; f++) {
      Fold fold = folds.get(f);
      assertEquals(f, fold.index());
      SplitsTest.assertPartition(n, fold.train(), fold.validation());
      for (int i : fold.validation()) {
        seen[i]++;
      }
      int size = fold.validation().length;
      assertTrue(size == n / k || size == n / k + 1, "fold size " + size);
    }
    // Each row validates exactly once.
    int[] ones = new int[n];
    java.util.Arrays.fill(ones, 1);
    assertArrayEquals(ones, seen);
  }

  @ParameterizedTest
  @CsvSource({"10,2", "11,3", "97,5", "1000,10", "7,7"})
  void plainFoldsCoverEachRowOnce(int n, int k) {
    for (boolean shuffle : new boolean[] {false, true}) {
      var folds = new KFold(k, shuffle, 5).split(n);
      assertFolds(folds, n, k);
      var again = new KFold(k, shuffle, 5).split(n);
      for (int f = 0; f < k; f++) {
        assertArrayEquals(folds.get(f).validation(), again.get(f).validation());
      }
    }
    // Without shuffling the folds are consecutive blocks, the first n % k one larger.
    var first = new KFold(k, false, 0).split(n).getFirst().validation();
    assertArrayEquals(IntStream.range(0, n / k + (n % k > 0 ? 1 : 0)).toArray(), first);
  }

  @ParameterizedTest
  @CsvSource({"100,3,4", "997,5,3", "50,10,2"})
  void stratifiedFoldsKeepClassShares(int n, int k, int classes) {
    int[] y = SplitsTest.randomLabels(n, classes, n);
    int[] total = SplitsTest.count(y, IntStream.range(0, n).toArray(), classes);
    var folds = new KFold(k, true, 9).splitStratified(y);
    assertFolds(folds, n, k);
    for (Fold f : folds) {
      int[] c = SplitsTest.count(y, f.validation(), classes);
      for (int cls = 0; cls < classes; cls++) {
        assertTrue(
            Math.abs(c[cls] - (double) total[cls] / k) <= 1.0,
            "class " + cls + ": " + c[cls] + " of " + total[cls] + " in one of " + k + " folds");
      }
    }
  }

  @Test
  void badArguments() {
    assertEquals(
        "k must be >= 2 folds, got 1",
        assertThrows(IllegalArgumentException.class, () -> new KFold(1, false, 0)).getMessage());
    assertEquals(
        "cannot cut 3 rows into 5 folds",
        assertThrows(IllegalArgumentException.class, () -> new KFold(5, true, 0).split(3))
            .getMessage());
  }
}
