package io.myelin.testing;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;

/**
 * Plain double-precision reference implementations over row-major arrays, written without any
 * Myelin code, used as the independent reference in the conformance suites.
 */
public final class Ref {
  private Ref() {}

  public static int numel(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** Row-major multi-index of flat position {@code flat}. */
  static int[] unravel(int flat, int[] shape) {
    int[] idx = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
      flat = shape[d] == 0 ? 0 : flat / shape[d];
    }
    return idx;
  }

  /** Element of a row-major array of {@code shape} at a broadcast index of a larger rank. */
  static double at(double[] v, int[] shape, int[] idx) {
    int lead = idx.length - shape.length;
    int flat = 0;
    for (int d = 0; d < shape.length; d++) {
      int i = shape[d] == 1 ? 0 : idx[d + lead];
      flat = flat * shape[d] + i;
    }
    return v[flat];
  }

  public static int[] broadcastShape(int[] a, int[] b) {
    int r = Math.max(a.length, b.length);
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = i < r - a.length ? 1 : a[i - (r - a.length)];
      int db = i < r - b.length ? 1 : b[i - (r - b.length)];
      out[i] = Math.max(da, db);
    }
    return out;
  }

  public static double[] binary(
      double[] a, int[] as, double[] b, int[] bs, DoubleBinaryOperator f) {
    int[] shape = broadcastShape(as, bs);
    double[] out = new double[numel(shape)];
    for (int i = 0; i < out.length; i++) {
      int[] idx = unravel(i, shape);
      out[i] = f.applyAsDouble(at(a, as, idx), at(b, bs, idx));
    }
    return out;
  }

  /** Sum (or mean/max/min by {@code kind}) over {@code dims}; result keeps dims as size 1. */
  public static double[] reduce(double[] v, int[] shape, int[] dims, String kind) {
    int[] out = shape.clone();
    for (int d : dims) {
      out[d] = 1;
    }
    int n = numel(out);
    double[] acc = new double[n];
    int[] count = new int[n];
    Arrays.fill(
        acc,
        kind.equals("max")
            ? Double.NEGATIVE_INFINITY
            : kind.equals("min") ? Double.POSITIVE_INFINITY : 0);
    for (int i = 0; i < v.length; i++) {
      int[] idx = unravel(i, shape);
      for (int d : dims) {
        idx[d] = 0;
      }
      int o = 0;
      for (int d = 0; d < out.length; d++) {
        o = o * out[d] + idx[d];
      }
      switch (kind) {
        case "max" -> acc[o] = Math.max(acc[o], v[i]);
        case "min" -> acc[o] = Math.min(acc[o], v[i]);
        default -> acc[o] += v[i];
      }
      count[o]++;
    }
    if (kind.equals("mean")) {
      for (int i = 0; i < n; i++) {
        acc[i] /= count[i];
      }
    }
    return acc;
  }

  /** Batched matmul of [..., m, k] x [..., k, n] with broadcast batch dims. */
  public static double[] matmul(double[] a, int[] as, double[] b, int[] bs) {
    int m = as[as.length - 2];
    int k = as[as.length - 1];
    int n = bs[bs.length - 1];
    int[] ab = Arrays.copyOf(as, as.length - 2);
    int[] bb = Arrays.copyOf(bs, bs.length - 2);
    int[] batch = broadcastShape(ab, bb);
    int nb = numel(batch);
    double[] out = new double[nb * m * n];
    for (int t = 0; t < nb; t++) {
      int[] bidx = unravel(t, batch);
      int aoff = offset(ab, bidx) * m * k;
      int boff = offset(bb, bidx) * k * n;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) {
            s += a[aoff + i * k + p] * b[boff + p * n + j];
          }
          out[t * m * n + i * n + j] = s;
        }
      }
    }
    return out;
  }

  private static int offset(int[] shape, int[] idx) {
    int lead = idx.length - shape.length;
    int flat = 0;
    for (int d = 0; d < shape.length; d++) {
      flat = flat * shape[d] + (shape[d] == 1 ? 0 : idx[d + lead]);
    }
    return flat;
  }

  /** Softmax (or log-softmax) of each row of [rows, cols]. */
  public static double[] softmaxRows(double[] v, int rows, int cols, boolean log) {
    double[] out = new double[v.length];
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < cols; c++) {
        max = Math.max(max, v[r * cols + c]);
      }
      double sum = 0;
      for (int c = 0; c < cols; c++) {
        sum += Math.exp(v[r * cols + c] - max);
      }
      for (int c = 0; c < cols; c++) {
        double x = v[r * cols + c] - max;
        out[r * cols + c] = log ? x - Math.log(sum) : Math.exp(x) / sum;
      }
    }
    return out;
  }

  /** Transposes the last two dims of a row-major [..., r, c] array. */
  public static double[] transposeLast(double[] v, int[] shape) {
    int r = shape[shape.length - 2];
    int c = shape[shape.length - 1];
    int nb = v.length / Math.max(1, r * c);
    double[] out = new double[v.length];
    for (int b = 0; b < nb; b++) {
      for (int i = 0; i < r; i++) {
        for (int j = 0; j < c; j++) {
          out[b * r * c + j * r + i] = v[b * r * c + i * c + j];
        }
      }
    }
    return out;
  }
}
