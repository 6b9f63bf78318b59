package io.myelin.data;

/**
 * Standardises each column to zero mean and unit variance: {@code y = (x - mean) / std}, with the
 * population standard deviation {@code std = sqrt(mean((x - mean)^2))} (divisor {@code n}, as
 * scikit-learn's {@code StandardScaler}). A constant column keeps {@code scale = 1}: it is centred
 * but not divided by zero.
 *
 * <p>The statistics use a two-pass sum in double, which stays accurate when the mean is large
 * compared to the spread (e.g. years, pixel sums).
 *
 * <pre>{@code
 * StandardScaler s = StandardScaler.fit(data.features(), data.cols(), split.train());
 * ArrayDataset train = s.transform(data.select(split.train()));
 * double[] mean = s.mean(), scale = s.scale(); // for saving
 * }</pre>
 */
public record StandardScaler(double[] mean, double[] scale) implements FeatureScaler {
  public StandardScaler {
    if (mean.length != scale.length || mean.length == 0) {
      throw new IllegalArgumentException(
          "mean and scale must have the same non-zero length, got "
              + mean.length
              + " and "
              + scale.length);
    }
    for (int c = 0; c < scale.length; c++) {
      if (!(scale[c] > 0) || !Double.isFinite(scale[c]) || !Double.isFinite(mean[c])) {
        throw new IllegalArgumentException(
            "column "
                + c
                + ": mean "
                + mean[c]
                + " and scale "
                + scale[c]
                + " must be finite, scale > 0");
      }
    }
    mean = mean.clone();
    scale = scale.clone();
  }

  /** Fits on all rows of a row-major {@code [rows, cols]} matrix. */
  public static StandardScaler fit(float[] x, int cols) {
    return fit(x, cols, null);
  }

  /**
   * Fits on the rows {@code rowIndices} (e.g. a split's training rows) of a row-major {@code [rows,
   * cols]} matrix; null means all rows.
   */
  public static StandardScaler fit(float[] x, int cols, int[] rowIndices) {
    int[] rows = FeatureScaler.fitRows(x, cols, rowIndices);
    double[] mean = new double[cols];
    for (int r : rows) {
      for (int c = 0; c < cols; c++) {
        mean[c] += x[r * cols + c];
      }
    }
    for (int c = 0; c < cols; c++) {
      mean[c] /= rows.length;
    }
    double[] var = new double[cols];
    boolean[] varies = new boolean[cols];
    float[] first = new float[cols];
    System.arraycopy(x, rows[0] * cols, first, 0, cols);
    for (int r : rows) {
      for (int c = 0; c < cols; c++) {
        float v = x[r * cols + c];
        double d = v - mean[c];
        var[c] += d * d;
        varies[c] |= v != first[c];
      }
    }
    double[] scale = new double[cols];
    for (int c = 0; c < cols; c++) {
      // Exactly constant columns only: rounding in the mean must not turn 0 into a tiny divisor.
      scale[c] = varies[c] ? Math.sqrt(var[c] / rows.length) : 1.0;
    }
    return new StandardScaler(mean, scale);
  }

  @Override
  public int cols() {
    return mean.length;
  }

  @Override
  public double[] offset() {
    return mean.clone();
  }

  /** The per-column means (a copy). */
  @Override
  public double[] mean() {
    return mean.clone();
  }

  /** The per-column standard deviations, 1 for constant columns (a copy). */
  @Override
  public double[] scale() {
    return scale.clone();
  }
}
