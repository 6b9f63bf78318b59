package io.myelin.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random and stratified train / validation / test splits of row indices, deterministic for a seed.
 *
 * <h2>Sizes</h2>
 *
 * For {@code n} rows, the test set has {@code ceil(testFraction * n)} rows (as scikit-learn's
 * {@code train_test_split}), the validation set {@code ceil(validationFraction * n)}, the train set
 * the rest, which must not be empty. A stratified split gives each class the same share of every
 * part, rounded by the largest-remainder method so that the part sizes above are met exactly and no
 * class is over- or under-represented by more than one row.
 *
 * <pre>{@code
 * Split s = Splits.stratified(pima.labels(), 0.1, 0.2, 42); // 70% / 10% / 20%, ratio kept
 * ArrayDataset train = pima.select(s.train());
 * }</pre>
 */
public final class Splits {
  private Splits() {}

  /** A random split of {@code n} rows. */
  public static Split random(int n, double validationFraction, double testFraction, long seed) {
    int[] sizes = sizes(n, validationFraction, testFraction);
    int[] perm = permutation(n, new SplittableRandom(seed));
    return new Split(
        sorted(perm, sizes[0], n), sorted(perm, sizes[1], sizes[0]), sorted(perm, 0, sizes[1]));
  }

  /**
   * A split that keeps each class's share in every part.
   *
   * @param labels class index per row, each {@code >= 0}
   */
  public static Split stratified(
      int[] labels, double validationFraction, double testFraction, long seed) {
    int n = labels.length;
    int[] sizes = sizes(n, validationFraction, testFraction);
    int[][] byClass = indicesByClass(labels);
    int k = byClass.length;
    int[] counts = new int[k];
    for (int c = 0; c < k; c++) {
      counts[c] = byClass[c].length;
    }
    int[] testPerClass = apportion(sizes[1], counts);
    int[] left = new int[k];
    for (int c = 0; c < k; c++) {
      left[c] = counts[c] - testPerClass[c];
    }
    int[] valPerClass = apportion(sizes[0] - sizes[1], counts, left);
    var rng = new SplittableRandom(seed);
    int[] train = new int[n - sizes[0]];
    int[] val = new int[sizes[0] - sizes[1]];
    int[] test = new int[sizes[1]];
    int tr = 0;
    int va = 0;
    int te = 0;
    for (int c = 0; c < k; c++) {
      int[] rows = byClass[c];
      shuffle(rows, rng);
      int t = testPerClass[c];
      int v = valPerClass[c];
      System.arraycopy(rows, 0, test, te, t);
      System.arraycopy(rows, t, val, va, v);
      System.arraycopy(rows, t + v, train, tr, rows.length - t - v);
      te += t;
      va += v;
      tr += rows.length - t - v;
    }
    Arrays.sort(train);
    Arrays.sort(val);
    Arrays.sort(test);
    return new Split(train, val, test);
  }

  /**
   * Cumulative sizes {@code [validation + test, test]} after checking the fractions; the
   * permutation's first {@code test} entries are the test set, the next ones validation.
   */
  private static int[] sizes(int n, double validationFraction, double testFraction) {
    checkFraction("validation", validationFraction);
    checkFraction("test", testFraction);
    if (validationFraction + testFraction >= 1) {
      throw new IllegalArgumentException(
          "validation + test fractions must be < 1 to leave rows"
              + " to train on, got "
              + validationFraction
              + " + "
              + testFraction);
    }
    int test = (int) Math.ceil(testFraction * n);
    int val = (int) Math.ceil(validationFraction * n);
    if (n - test - val < 1) {
      throw new IllegalArgumentException(
          "no training rows left: "
              + n
              + " rows, "
              + val
              + " for validation ("
              + validationFraction
              + "), "
              + test
              + " for test ("
              + testFraction
              + ")");
    }
    return new int[] {val + test, test};
  }

  static void checkFraction(String what, double f) {
    if (!(f >= 0 && f < 1)) {
      throw new IllegalArgumentException(what + " fraction must be in [0, 1), got " + f);
    }
  }

  /** Rows of each class, ascending; {@code result[c]} for class {@code c}. */
  static int[][] indicesByClass(int[] labels) {
    int k = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException("negative label " + labels[i] + " at row " + i);
      }
      k = Math.max(k, labels[i] + 1);
    }
    int[] counts = new int[k];
    for (int y : labels) {
      counts[y]++;
    }
    int[][] rows = new int[k][];
    for (int c = 0; c < k; c++) {
      rows[c] = new int[counts[c]];
    }
    int[] fill = new int[k];
    for (int i = 0; i < labels.length; i++) {
      rows[labels[i]][fill[labels[i]]++] = i;
    }
    return rows;
  }

  private static int[] apportion(int total, int[] counts) {
    return apportion(total, counts, counts);
  }

  /**
   * Splits {@code total} over classes in proportion to {@code counts}, each at most {@code cap}:
   * floors first, then the leftover units to the largest remainders (ties to the lower class).
   */
  static int[] apportion(int total, int[] counts, int[] cap) {
    long n = Arrays.stream(counts).asLongStream().sum();
    int k = counts.length;
    int[] share = new int[k];
    double[] remainder = new double[k];
    int given = 0;
    for (int c = 0; c < k; c++) {
      double ideal = n == 0 ? 0 : (double) total * counts[c] / n;
      share[c] = Math.min((int) Math.floor(ideal), cap[c]);
      remainder[c] = ideal - share[c];
      given += share[c];
    }
    while (given < total) {
      int best = -1;
      for (int c = 0; c < k; c++) {
        if (share[c] < cap[c] && (best < 0 || remainder[c] > remainder[best])) {
          best = c;
        }
      }
      share[best]++;
      remainder[best] -= 1;
      given++;
    }
    return share;
  }

  static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    shuffle(p, rng);
    return p;
  }

  /** Fisher-Yates, in place. */
  static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static int[] sorted(int[] a, int from, int to) {
    int[] out = Arrays.copyOfRange(a, from, to);
    Arrays.sort(out);
    return out;
  }
}
