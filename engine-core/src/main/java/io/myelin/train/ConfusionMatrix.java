package io.myelin.train;

import java.util.Arrays;
import java.util.List;

/**
 * Counts of (true class, predicted class) pairs, and the per-class and macro-averaged scores
 * derived from them.
 *
 * <p>{@code count(t, p)} is the number of samples of true class {@code t} predicted as {@code p}
 * (rows are truth, columns are predictions, as scikit-learn). Precision, recall and F1 of a class
 * with no predicted (or no true) samples are 0, as scikit-learn's {@code zero_division=0}.
 *
 * <pre>{@code
 * ConfusionMatrix cm = ConfusionMatrix.of(new int[] {0, 1, 1}, new int[] {0, 1, 0}, 2);
 * cm.accuracy();   // 2/3
 * cm.recall(1);    // 1/2
 * }</pre>
 */
public final class ConfusionMatrix {
  private final long[][] counts;

  private ConfusionMatrix(long[][] counts) {
    this.counts = counts;
  }

  /**
   * Builds the matrix from true labels and predictions in [0, classes).
   *
   * @throws IllegalArgumentException on different lengths or a label outside the range
   */
  public static ConfusionMatrix of(int[] truth, int[] predicted, int classes) {
    if (truth.length != predicted.length) {
      throw new IllegalArgumentException(
          "confusion matrix: " + truth.length + " labels but " + predicted.length + " predictions");
    }
    if (classes < 1) {
      throw new IllegalArgumentException("confusion matrix: classes must be >= 1, got " + classes);
    }
    long[][] c = new long[classes][classes];
    for (int i = 0; i < truth.length; i++) {
      int t = truth[i];
      int p = predicted[i];
      if (t < 0 || t >= classes || p < 0 || p >= classes) {
        throw new IllegalArgumentException(
            "confusion matrix: sample "
                + i
                + " has label "
                + t
                + " / prediction "
                + p
                + " outside [0, "
                + classes
                + ")");
      }
      c[t][p]++;
    }
    return new ConfusionMatrix(c);
  }

  public int classes() {
    return counts.length;
  }

  public long count(int truth, int predicted) {
    return counts[truth][predicted];
  }

  public long total() {
    long n = 0;
    for (long[] row : counts) {
      for (long v : row) {
        n += v;
      }
    }
    return n;
  }

  public double accuracy() {
    long correct = 0;
    for (int i = 0; i < counts.length; i++) {
      correct += counts[i][i];
    }
    long n = total();
    return n == 0 ? 0 : (double) correct / n;
  }

  /** TP / (TP + FP) for class {@code c}. */
  public double precision(int c) {
    long predicted = 0;
    for (long[] row : counts) {
      predicted += row[c];
    }
    return predicted == 0 ? 0 : (double) counts[c][c] / predicted;
  }

  /** TP / (TP + FN) for class {@code c}. */
  public double recall(int c) {
    long actual = Arrays.stream(counts[c]).sum();
    return actual == 0 ? 0 : (double) counts[c][c] / actual;
  }

  /** Harmonic mean of precision and recall for class {@code c}. */
  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  public double macroPrecision() {
    double s = 0;
    for (int c = 0; c < counts.length; c++) {
      s += precision(c);
    }
    return s / counts.length;
  }

  public double macroRecall() {
    double s = 0;
    for (int c = 0; c < counts.length; c++) {
      s += recall(c);
    }
    return s / counts.length;
  }

  /** Unweighted mean of the per-class F1 scores (scikit-learn's {@code average='macro'}). */
  public double macroF1() {
    double s = 0;
    for (int c = 0; c < counts.length; c++) {
      s += f1(c);
    }
    return s / counts.length;
  }

  /** A text table with class names as row/column headers (truth down, prediction across). */
  public String format(List<String> classNames) {
    int k = counts.length;
    String[] names = new String[k];
    for (int i = 0; i < k; i++) {
      names[i] =
          classNames != null && i < classNames.size() ? classNames.get(i) : Integer.toString(i);
    }
    int width = 6;
    for (String n : names) {
      width = Math.max(width, n.length() + 1);
    }
    for (long[] row : counts) {
      for (long v : row) {
        width = Math.max(width, Long.toString(v).length() + 1);
      }
    }
    // The first column holds the corner label and the row names: as wide as the widest of them,
    // so the count columns line up under their headers.
    String corner = "true\\pred";
    int first = corner.length();
    for (String n : names) {
      first = Math.max(first, n.length());
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-" + first + "s", corner));
    for (String n : names) {
      sb.append(String.format("%" + width + "s", n));
    }
    sb.append('\n');
    for (int i = 0; i < k; i++) {
      sb.append(String.format("%-" + first + "s", names[i]));
      for (int j = 0; j < k; j++) {
        sb.append(String.format("%" + width + "d", counts[i][j]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return format(null);
  }
}
