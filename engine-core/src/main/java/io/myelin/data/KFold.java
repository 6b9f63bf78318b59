package io.myelin.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * K-fold cross-validation over row indices, plain or stratified, as scikit-learn's {@code KFold}
 * and {@code StratifiedKFold}.
 *
 * <p>Each row is in the validation part of exactly one fold. Plain: the (optionally shuffled) rows
 * are cut into {@code k} consecutive folds, the first {@code n % k} one row larger. Stratified: the
 * rows are ordered by class (shuffled within each class when asked) and dealt to the folds in turn,
 * so every fold holds each class's share to within one row and fold sizes differ by at most one.
 *
 * <pre>{@code
 * for (Fold f : new KFold(5, true, 42).splitStratified(data.labels())) {
 *   train(data.select(f.train()));
 *   score(data.select(f.validation()));
 * }
 * }</pre>
 *
 * @param k number of folds, at least 2
 * @param shuffle whether to shuffle rows before cutting (without it, the seed is unused)
 * @param seed the shuffle's seed
 */
public record KFold(int k, boolean shuffle, long seed) {
  public KFold {
    if (k < 2) {
      throw new IllegalArgumentException("k must be >= 2 folds, got " + k);
    }
  }

  /** The {@code k} folds of {@code n} rows. */
  public List<Fold> split(int n) {
    checkRows(n);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (shuffle) {
      Splits.shuffle(order, new SplittableRandom(seed));
    }
    int[] fold = new int[n];
    int start = 0;
    for (int f = 0; f < k; f++) {
      int size = n / k + (f < n % k ? 1 : 0);
      for (int i = start; i < start + size; i++) {
        fold[order[i]] = f;
      }
      start += size;
    }
    return folds(fold);
  }

  /**
   * The {@code k} folds of {@code labels.length} rows, each fold holding every class's share. A
   * class with fewer than {@code k} rows is simply absent from some folds.
   */
  public List<Fold> splitStratified(int[] labels) {
    checkRows(labels.length);
    var rng = new SplittableRandom(seed);
    int[] fold = new int[labels.length];
    int position = 0;
    for (int[] rows : Splits.indicesByClass(labels)) {
      if (shuffle) {
        Splits.shuffle(rows, rng);
      }
      for (int r : rows) {
        fold[r] = position++ % k;
      }
    }
    return folds(fold);
  }

  private void checkRows(int n) {
    if (n < k) {
      throw new IllegalArgumentException("cannot cut " + n + " rows into " + k + " folds");
    }
  }

  private List<Fold> folds(int[] foldOf) {
    int n = foldOf.length;
    int[] sizes = new int[k];
    for (int f : foldOf) {
      sizes[f]++;
    }
    var result = new ArrayList<Fold>(k);
    for (int f = 0; f < k; f++) {
      int[] val = new int[sizes[f]];
      int[] train = new int[n - sizes[f]];
      int v = 0;
      int t = 0;
      for (int i = 0; i < n; i++) {
        if (foldOf[i] == f) {
          val[v++] = i;
        } else {
          train[t++] = i;
        }
      }
      result.add(new Fold(f, train, val));
    }
    return result;
  }
}
