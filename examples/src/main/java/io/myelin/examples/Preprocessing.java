package io.myelin.examples;

import io.myelin.data.ArrayDataset;
import io.myelin.data.StandardScaler;
import io.myelin.io.internal.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How raw feature values become the model's inputs: {@code x / divisor}, then, when standardised,
 * {@code (x - mean) / std} with the training set's statistics. The loaders apply the divisor
 * themselves (images / 255, digits / 16); it is recorded so that {@code predict} can apply the same
 * steps to raw values read from a CSV file.
 *
 * @param divisor what the loader divided the raw values by (1 for none)
 * @param mean per-feature mean of the training set after division, or null when not standardised
 * @param std per-feature standard deviation (1 for constant features), or null
 */
public record Preprocessing(double divisor, double[] mean, double[] std) {
  public Preprocessing {
    if (!(divisor > 0) || !Double.isFinite(divisor)) {
      throw new IllegalArgumentException("divisor must be positive and finite, got " + divisor);
    }
    if ((mean == null) != (std == null) || (mean != null && mean.length != std.length)) {
      throw new IllegalArgumentException(
          "mean and std must both be given, with one value per feature");
    }
  }

  /** Values used as they are. */
  public static Preprocessing none() {
    return new Preprocessing(1, null, null);
  }

  /** Values divided by {@code divisor} (by the loader). */
  public static Preprocessing divideBy(double divisor) {
    return new Preprocessing(divisor, null, null);
  }

  public boolean standardized() {
    return mean != null;
  }

  /** This preprocessing plus standardisation fitted on {@code train}'s features. */
  public Preprocessing standardizedOn(ArrayDataset train) {
    StandardScaler s = StandardScaler.fit(train.features(), train.cols());
    return new Preprocessing(divisor, s.mean(), s.scale());
  }

  /** Standardises {@code data} (already divided by the loader); a no-op without statistics. */
  public ArrayDataset standardize(ArrayDataset data) {
    if (mean == null) {
      return data;
    }
    checkWidth(data.cols());
    return new StandardScaler(mean, std).transform(data);
  }

  /** Applies every step, the division included, to raw values {@code [rows, cols]} in place. */
  public void applyToRaw(float[] x, int cols) {
    checkWidth(cols);
    for (int i = 0; i < x.length; i++) {
      double v = x[i] / divisor;
      if (mean != null) {
        int c = i % cols;
        v = (v - mean[c]) / std[c];
      }
      x[i] = (float) v;
    }
  }

  private void checkWidth(int cols) {
    if (mean != null && mean.length != cols) {
      throw new IllegalArgumentException(
          "preprocessing was fitted on " + mean.length + " features, the data has " + cols);
    }
  }

  /** A short description, e.g. {@code "standardized (training-set mean and std)"}. */
  public String describe() {
    String div = divisor == 1 ? "" : "divided by " + Report.num(divisor);
    String std = standardized() ? "standardized (training-set mean and std)" : "";
    if (div.isEmpty() && std.isEmpty()) {
      return "none";
    }
    return div.isEmpty() ? std : std.isEmpty() ? div : div + ", then " + std;
  }

  /** The JSON form stored beside saved weights. */
  public Map<String, Object> toJson() {
    var m = new LinkedHashMap<String, Object>();
    m.put("description", describe());
    m.put("divisor", divisor);
    m.put("mean", mean);
    m.put("std", std);
    return m;
  }

  /** Reads {@link #toJson()}'s form. */
  public static Preprocessing fromJson(Map<String, Object> m, String source) {
    Object d = m.get("divisor");
    if (!(d instanceof Number n)) {
      throw new IllegalArgumentException(source + ": preprocessing has no numeric 'divisor'");
    }
    return new Preprocessing(
        n.doubleValue(), doubles(m.get("mean"), source), doubles(m.get("std"), source));
  }

  static double[] doubles(Object o, String source) {
    if (Json.isNull(o)) {
      return null;
    }
    if (!(o instanceof List<?> l)) {
      throw new IllegalArgumentException(source + ": expected a list of numbers, got " + o);
    }
    double[] out = new double[l.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(l.get(i) instanceof Number n)) {
        throw new IllegalArgumentException(source + ": expected a number, got " + l.get(i));
      }
      out[i] = n.doubleValue();
    }
    return out;
  }
}
