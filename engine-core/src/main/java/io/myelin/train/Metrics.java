package io.myelin.train;

import io.myelin.Tensor;

/**
 * Evaluation metrics on host arrays, and helpers that read model outputs from tensors.
 *
 * <p>Classification metrics take integer labels; scores are rows of a {@code [n, classes]}
 * row-major array (logits or probabilities: only the order matters for accuracy and top-k).
 * Regression metrics follow scikit-learn: R-squared is {@code 1 - SS_res / SS_tot} (0 when the
 * target is constant, see {@link #r2}).
 */
public final class Metrics {
  private Metrics() {}

  /** Fraction of equal entries. */
  public static double accuracy(int[] truth, int[] predicted) {
    checkLengths(truth.length, predicted.length);
    if (truth.length == 0) {
      return 0;
    }
    int correct = 0;
    for (int i = 0; i < truth.length; i++) {
      correct += truth[i] == predicted[i] ? 1 : 0;
    }
    return (double) correct / truth.length;
  }

  /** Index of the largest score in each row of {@code [n, classes]} (first on ties). */
  public static int[] argmaxRows(float[] scores, int classes) {
    if (classes < 1 || scores.length % classes != 0) {
      throw new IllegalArgumentException(
          "argmaxRows: " + scores.length + " scores do not form rows of " + classes);
    }
    int n = scores.length / classes;
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (scores[i * classes + c] > scores[i * classes + best]) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  /**
   * Predicted classes of a {@code [n, classes]} score tensor (or {@code [n, 1]}/[n] logits: > 0).
   */
  public static int[] predictedClasses(Tensor scores) {
    int classes = scores.rank() == 1 ? 1 : scores.size(-1);
    float[] v = scores.toFloatArray();
    if (classes == 1) {
      int[] out = new int[v.length];
      for (int i = 0; i < v.length; i++) {
        out[i] = v[i] > 0 ? 1 : 0;
      }
      return out;
    }
    return argmaxRows(v, classes);
  }

  /** Fraction of rows whose true class is among the {@code k} highest scores. */
  public static double topK(int[] truth, float[] scores, int classes, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("topK: k must be >= 1, got " + k);
    }
    checkLengths(truth.length, scores.length / classes);
    if (truth.length == 0) {
      return 0;
    }
    int hits = 0;
    for (int i = 0; i < truth.length; i++) {
      float s = scores[i * classes + truth[i]];
      int better = 0;
      for (int c = 0; c < classes; c++) {
        float v = scores[i * classes + c];
        // strictly higher scores, and equal ones at lower indices, rank ahead (stable order)
        if (v > s || (v == s && c < truth[i])) {
          better++;
        }
      }
      hits += better < k ? 1 : 0;
    }
    return (double) hits / truth.length;
  }

  /**
   * Mean negative log-likelihood of the true class under probabilities {@code [n, classes]},
   * clipped at 1e-15 as scikit-learn's log_loss.
   */
  public static double logLoss(int[] truth, float[] probabilities, int classes) {
    checkLengths(truth.length, probabilities.length / classes);
    double s = 0;
    for (int i = 0; i < truth.length; i++) {
      double p = Math.min(1 - 1e-15, Math.max(1e-15, probabilities[i * classes + truth[i]]));
      s -= Math.log(p);
    }
    return truth.length == 0 ? 0 : s / truth.length;
  }

  public static double mse(float[] truth, float[] predicted) {
    checkLengths(truth.length, predicted.length);
    double s = 0;
    for (int i = 0; i < truth.length; i++) {
      double d = (double) truth[i] - predicted[i];
      s += d * d;
    }
    return truth.length == 0 ? 0 : s / truth.length;
  }

  public static double mae(float[] truth, float[] predicted) {
    checkLengths(truth.length, predicted.length);
    double s = 0;
    for (int i = 0; i < truth.length; i++) {
      s += Math.abs((double) truth[i] - predicted[i]);
    }
    return truth.length == 0 ? 0 : s / truth.length;
  }

  /**
   * Coefficient of determination {@code 1 - SS_res / SS_tot}. For a constant target it is 1 when
   * the prediction is exact and 0 otherwise (scikit-learn's convention).
   */
  public static double r2(float[] truth, float[] predicted) {
    checkLengths(truth.length, predicted.length);
    double mean = 0;
    for (float t : truth) {
      mean += t;
    }
    mean /= Math.max(1, truth.length);
    double ssRes = 0;
    double ssTot = 0;
    for (int i = 0; i < truth.length; i++) {
      ssRes += ((double) truth[i] - predicted[i]) * ((double) truth[i] - predicted[i]);
      ssTot += (truth[i] - mean) * (truth[i] - mean);
    }
    if (ssTot == 0) {
      return ssRes == 0 ? 1 : 0;
    }
    return 1 - ssRes / ssTot;
  }

  private static void checkLengths(int a, int b) {
    if (a != b) {
      throw new IllegalArgumentException("metric: " + a + " targets but " + b + " predictions");
    }
  }
}
