package io.myelin.data;

import java.util.Arrays;

/**
 * Maps each column's training range {@code [dataMin, dataMax]} linearly onto {@code [low, high]}
 * (default {@code [0, 1]}), as scikit-learn's {@code MinMaxScaler}: {@code y = low + (x - dataMin)
 * * (high - low) / (dataMax - dataMin)}. A constant column maps to {@code low}. Values outside the
 * training range map outside {@code [low, high]} (no clipping).
 *
 * <pre>{@code
 * MinMaxScaler s = MinMaxScaler.fit(x, cols, train, 0, 1);
 * float[] scaled = s.transform(x, rows);
 * }</pre>
 */
public record MinMaxScaler(double low, double high, double[] dataMin, double[] dataMax)
    implements FeatureScaler {
  public MinMaxScaler {
    if (!(low < high) || !Double.isFinite(low) || !Double.isFinite(high)) {
      throw new IllegalArgumentException(
          "feature range must be finite with low < high, got [" + low + ", " + high + "]");
    }
    if (dataMin.length != dataMax.length || dataMin.length == 0) {
      throw new IllegalArgumentException("dataMin and dataMax must have the same non-zero length");
    }
    for (int c = 0; c < dataMin.length; c++) {
      if (!(dataMin[c] <= dataMax[c])
          || !Double.isFinite(dataMin[c])
          || !Double.isFinite(dataMax[c])) {
        throw new IllegalArgumentException(
            "column "
                + c
                + ": need finite dataMin <= dataMax, got "
                + dataMin[c]
                + " and "
                + dataMax[c]);
      }
    }
    dataMin = dataMin.clone();
    dataMax = dataMax.clone();
  }

  /** Fits to {@code [0, 1]} on all rows. */
  public static MinMaxScaler fit(float[] x, int cols) {
    return fit(x, cols, null, 0, 1);
  }

  /** Fits to {@code [low, high]} on the rows {@code rowIndices} (null: all rows). */
  public static MinMaxScaler fit(float[] x, int cols, int[] rowIndices, double low, double high) {
    int[] rows = FeatureScaler.fitRows(x, cols, rowIndices);
    double[] min = new double[cols];
    double[] max = new double[cols];
    Arrays.fill(min, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
    for (int r : rows) {
      for (int c = 0; c < cols; c++) {
        float v = x[r * cols + c];
        min[c] = Math.min(min[c], v);
        max[c] = Math.max(max[c], v);
      }
    }
    return new MinMaxScaler(low, high, min, max);
  }

  @Override
  public int cols() {
    return dataMin.length;
  }

  /** {@code dataMin - low * scale}: what {@code y = (x - offset) / scale} needs. */
  @Override
  public double[] offset() {
    double[] s = scale();
    double[] o = new double[cols()];
    for (int c = 0; c < o.length; c++) {
      o[c] = dataMin[c] - low * s[c];
    }
    return o;
  }

  /** {@code (dataMax - dataMin) / (high - low)}, with a zero range read as 1. */
  @Override
  public double[] scale() {
    double[] s = new double[cols()];
    for (int c = 0; c < s.length; c++) {
      double range = dataMax[c] - dataMin[c];
      s[c] = (range == 0 ? 1 : range) / (high - low);
    }
    return s;
  }

  /** Per-column training minima (a copy). */
  @Override
  public double[] dataMin() {
    return dataMin.clone();
  }

  /** Per-column training maxima (a copy). */
  @Override
  public double[] dataMax() {
    return dataMax.clone();
  }
}
