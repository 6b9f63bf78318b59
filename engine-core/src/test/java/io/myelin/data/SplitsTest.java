package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SplitsTest {
  /** Checks that the parts partition [0, n) and are sorted. */
  static void assertPartition(int n, int[]... parts) {
    int[] all = Arrays.stream(parts).flatMapToInt(Arrays::stream).sorted().toArray();
    assertArrayEquals(IntStream.range(0, n).toArray(), all);
    for (int[] p : parts) {
      for (int i = 1; i < p.length; i++) {
        assertTrue(p[i - 1] < p[i]);
      }
    }
  }

  static int[] randomLabels(int n, int k, long seed) {
    var rng = new SplittableRandom(seed);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      // Skewed classes: class c has weight c + 1.
      int r = rng.nextInt(k * (k + 1) / 2);
      int c = 0;
      while (r >= c + 1) {
        r -= c + 1;
        c++;
      }
      y[i] = c;
    }
    return y;
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 17, 100, 1009})
  void randomSplitSizesAndPartition(int n) {
    var s = Splits.random(n, 0.15, 0.2, 11);
    assertEquals((int) Math.ceil(0.2 * n), s.test().length);
    assertEquals((int) Math.ceil(0.15 * n), s.validation().length);
    assertPartition(n, s.train(), s.validation(), s.test());
    var again = Splits.random(n, 0.15, 0.2, 11);
    assertArrayEquals(s.test(), again.test());
    assertArrayEquals(s.train(), again.train());
  }

  @Test
  void differentSeedsDifferentSplits() {
    assertFalse(
        Arrays.equals(Splits.random(500, 0, 0.3, 1).test(), Splits.random(500, 0, 0.3, 2).test()));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void stratifiedKeepsProportions(long seed) {
    int n = 997;
    int k = 4;
    int[] y = randomLabels(n, k, seed);
    var s = Splits.stratified(y, 0.1, 0.25, seed);
    assertPartition(n, s.train(), s.validation(), s.test());
    assertEquals((int) Math.ceil(0.25 * n), s.test().length);
    assertEquals((int) Math.ceil(0.1 * n), s.validation().length);
    int[] total = count(y, IntStream.range(0, n).toArray(), k);
    for (int[] part : new int[][] {s.train(), s.validation(), s.test()}) {
      int[] c = count(y, part, k);
      for (int cls = 0; cls < k; cls++) {
        double ideal = (double) total[cls] * part.length / n;
        assertTrue(
            Math.abs(c[cls] - ideal) <= 1.0 + 1e-9,
            "class " + cls + ": " + c[cls] + " vs ideal " + ideal);
      }
    }
    assertArrayEquals(s.test(), Splits.stratified(y, 0.1, 0.25, seed).test());
  }

  static int[] count(int[] y, int[] rows, int k) {
    int[] c = new int[k];
    for (int r : rows) {
      c[y[r]]++;
    }
    return c;
  }

  @Test
  void badFractionsNameTheValue() {
    assertEquals(
        "test fraction must be in [0, 1), got 1.5",
        assertThrows(IllegalArgumentException.class, () -> Splits.random(10, 0, 1.5, 1))
            .getMessage());
    assertEquals(
        "validation fraction must be in [0, 1), got -0.1",
        assertThrows(IllegalArgumentException.class, () -> Splits.random(10, -0.1, 0.2, 1))
            .getMessage());
    assertEquals(
        "test fraction must be in [0, 1), got NaN",
        assertThrows(IllegalArgumentException.class, () -> Splits.random(10, 0, Double.NaN, 1))
            .getMessage());
    assertEquals(
        "validation + test fractions must be < 1 to leave rows to train on, got 0.5 +" + " 0.5",
        assertThrows(
                IllegalArgumentException.class, () -> Splits.stratified(new int[10], 0.5, 0.5, 1))
            .getMessage());
    assertEquals(
        "no training rows left: 3 rows, 2 for validation (0.4), 1 for test (0.3)",
        assertThrows(IllegalArgumentException.class, () -> Splits.random(3, 0.4, 0.3, 1))
            .getMessage());
  }
}
