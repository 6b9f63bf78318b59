package io.myelin.data;

/**
 * A per-column affine map fitted on training features: {@code y = (x - offset[c]) / scale[c]}. Fit
 * it on the training rows only and apply the same instance to validation and test rows, so no
 * statistic of held-out data leaks into training.
 *
 * <p>Shape contract: {@code transform(x, rows)} takes and returns row-major {@code [rows, cols()]}
 * float matrices; the input is not modified. Computations run in double, results are rounded to
 * float once. Implementations are immutable and thread-safe.
 */
public sealed interface FeatureScaler permits StandardScaler, MinMaxScaler {
  /** Number of columns this scaler was fitted on. */
  int cols();

  /** The value subtracted from each column, {@code [cols]}. */
  double[] offset();

  /** The divisor of each column, {@code [cols]}; 1 where the column was constant. */
  double[] scale();

  /** {@code y[r, c] = (x[r, c] - offset[c]) / scale[c]}, a new array. */
  default float[] transform(float[] x, int rows) {
    checkShape(x, rows);
    double[] o = offset();
    double[] s = scale();
    int cols = cols();
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      int c = i % cols;
      y[i] = (float) ((x[i] - o[c]) / s[c]);
    }
    return y;
  }

  /** {@code x[r, c] = y[r, c] * scale[c] + offset[c]}, a new array. */
  default float[] inverseTransform(float[] y, int rows) {
    checkShape(y, rows);
    double[] o = offset();
    double[] s = scale();
    int cols = cols();
    float[] x = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      int c = i % cols;
      x[i] = (float) (y[i] * s[c] + o[c]);
    }
    return x;
  }

  /** The dataset with its features transformed (labels, targets and names kept). */
  default ArrayDataset transform(ArrayDataset data) {
    return data.withFeatures(transform(data.features(), data.rows()));
  }

  private void checkShape(float[] x, int rows) {
    if (rows < 0 || x.length != (long) rows * cols()) {
      throw new IllegalArgumentException(
          "expected ["
              + rows
              + ", "
              + cols()
              + "] = "
              + (long) rows * cols()
              + " values, got "
              + x.length);
    }
  }

  /** Checks a fit's input and returns the rows to use (all when {@code rowIndices} is null). */
  static int[] fitRows(float[] x, int cols, int[] rowIndices) {
    if (cols < 1 || x.length % cols != 0) {
      throw new IllegalArgumentException(
          x.length + " values do not form rows of " + cols + " columns");
    }
    int rows = x.length / cols;
    int[] use = rowIndices;
    if (use == null) {
      use = new int[rows];
      for (int i = 0; i < rows; i++) {
        use[i] = i;
      }
    }
    if (use.length == 0) {
      throw new IllegalArgumentException("cannot fit a scaler on zero rows");
    }
    for (int r : use) {
      if (r < 0 || r >= rows) {
        throw new IndexOutOfBoundsException("row " + r + " outside [0, " + rows + ")");
      }
      for (int c = 0; c < cols; c++) {
        if (!Float.isFinite(x[r * cols + c])) {
          throw new IllegalArgumentException(
              "non-finite value " + x[r * cols + c] + " at row " + r + ", column " + c);
        }
      }
    }
    return use;
  }
}
