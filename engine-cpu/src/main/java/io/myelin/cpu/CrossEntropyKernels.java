package io.myelin.cpu;

import io.myelin.backend.CrossEntropyOptions;

/**
 * The CPU's fused softmax + cross-entropy ({@link io.myelin.backend.Backend#crossEntropy} and its
 * backward): per row, in double, a max-subtracted log-sum-exp for the loss and a max-subtracted
 * softmax for the gradient, by the formulas of the SPI. Rows are independent in the backward; the
 * forward's total is summed in row order (deterministic). Stateless and thread-safe.
 */
final class CrossEntropyKernels {
  private CrossEntropyKernels() {}

  /** Per-row scratch: the log-sum-exp of the logits. */
  private static double logSumExp(double[] x, int base, int classes) {
    double m = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < classes; j++) m = Math.max(m, x[base + j]);
    double s = 0;
    for (int j = 0; j < classes; j++) s += expOrOne(x[base + j] - m);
    return m + Math.log(s);
  }

  /**
   * Per-row scratch for the backward: the softmax of the logits, {@code exp(x - max) / sum}: one
   * exponential per class, where {@code exp(x - logSumExp)} took two and a log (it recomputed the
   * forward's log-sum-exp); the same value to a few double ulps, rounded to the dtype once at the
   * end as before (the Pima MLP's backward: 58 -> 27 us per step, bench/RESULTS.md round 3).
   */
  private static void softmax(double[] x, int base, int classes, double[] p) {
    double m = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < classes; j++) m = Math.max(m, x[base + j]);
    double s = 0;
    for (int j = 0; j < classes; j++) {
      p[j] = expOrOne(x[base + j] - m);
      s += p[j];
    }
    for (int j = 0; j < classes; j++) p[j] /= s;
  }

  /**
   * {@code exp(d)}, with the maximum's term ({@code d == 0}, exactly 1) not computed: with two
   * classes that is half of the exponentials.
   */
  private static double expOrOne(double d) {
    return d == 0 ? 1 : Math.exp(d);
  }

  /**
   * The common case, float32 logits with class labels, no class weights and no label smoothing,
   * which the two methods below compute with the general code's double operations (the same bits:
   * its weights are 1 and its smoothing terms add +0.0), reading the logits in place. Small methods
   * for the JIT: a small model's first few hundred steps run them as C1 code, and the general
   * kernels took 3-5x their compiled time there (bench/RESULTS.md round 3).
   */
  private static boolean plainLabels(
      CrossEntropyOptions o, CpuStorage logits, CpuStorage weight, CpuStorage out) {
    return !o.probabilityTargets()
        && weight == null
        && o.labelSmoothing() == 0
        && logits.dtype() == io.myelin.DType.FLOAT32
        && out.dtype() == io.myelin.DType.FLOAT32;
  }

  private static void forwardLabels(
      CrossEntropyOptions o,
      float[] x,
      int xo,
      int[] y,
      int yo,
      float[] loss,
      int lossOffset,
      CpuStorage total,
      int totalOffset) {
    int classes = o.classes();
    double[] row = new double[classes];
    double sum = 0;
    double den = 0;
    for (int r = 0; r < o.rows(); r++) {
      int base = xo + r * classes;
      for (int j = 0; j < classes; j++) row[j] = x[base + j];
      int label = y[yo + r];
      double l;
      if (label == o.ignoreIndex()) {
        l = 0;
      } else if (label < 0 || label >= classes) {
        l = Double.NaN;
      } else {
        // The general code's (1 - e) * (-w * (x - lse)) + e / classes * smooth with e = 0, w = 1.
        l = 1.0 * (-1.0 * (row[label] - logSumExp(row, 0, classes))) + 0.0 * 0.0;
        den += 1;
      }
      float rounded = (float) l;
      loss[lossOffset + r] = rounded;
      sum += rounded;
    }
    if (total != null) {
      HostVectors.write(total, totalOffset, new double[] {o.mean() ? sum / den : sum, den});
    }
  }

  private static void backwardLabels(
      CrossEntropyOptions o,
      float[] x,
      int xo,
      int[] y,
      int yo,
      double[] g,
      boolean perRow,
      double den,
      float[] gx,
      int gxo) {
    int classes = o.classes();
    double[] row = new double[classes];
    double[] p = new double[classes];
    for (int r = 0; r < o.rows(); r++) {
      int base = r * classes;
      int label = y[yo + r];
      if (label == o.ignoreIndex()) {
        java.util.Arrays.fill(gx, gxo + base, gxo + base + classes, 0f);
        continue;
      }
      if (label < 0 || label >= classes) {
        java.util.Arrays.fill(gx, gxo + base, gxo + base + classes, Float.NaN);
        continue;
      }
      double gr = g[perRow ? r : 0] / den;
      for (int j = 0; j < classes; j++) row[j] = x[xo + base + j];
      softmax(row, 0, classes, p);
      // The general code's p * coef - e / classes * w, less (1 - e) * w at the label, with e = 0
      // and w = 1: p, and p - 1 at the label.
      for (int j = 0; j < classes; j++) {
        gx[gxo + base + j] = (float) (gr * (j == label ? p[j] - 1 : p[j]));
      }
    }
  }

  private static double w(double[] weight, int c) {
    return weight == null ? 1 : weight[c];
  }

  static void forward(
      CrossEntropyOptions o,
      CpuStorage logits,
      int logitsOffset,
      CpuStorage target,
      int targetOffset,
      CpuStorage weight,
      CpuStorage loss,
      int lossOffset,
      CpuStorage total,
      int totalOffset) {
    if (plainLabels(o, logits, weight, loss)) {
      forwardLabels(
          o,
          logits.floats(),
          logitsOffset,
          target.ints(),
          targetOffset,
          loss.floats(),
          lossOffset,
          total,
          totalOffset);
      return;
    }
    int rows = o.rows();
    int classes = o.classes();
    double e = o.labelSmoothing();
    double[] x = HostVectors.read(logits, logitsOffset, rows * classes);
    double[] w = HostVectors.read(weight, 0, classes);
    double[] t =
        o.probabilityTargets() ? HostVectors.read(target, targetOffset, rows * classes) : null;
    int[] y = o.probabilityTargets() ? null : target.ints();
    double[] out = new double[rows];
    double sum = 0;
    double den = 0;
    for (int r = 0; r < rows; r++) {
      int base = r * classes;
      double lse = logSumExp(x, base, classes);
      double l;
      double d;
      if (t != null) {
        l = 0;
        for (int c = 0; c < classes; c++) {
          double tc = (1 - e) * t[base + c] + e / classes;
          l -= w(w, c) * tc * (x[base + c] - lse);
        }
        d = 1;
      } else {
        int label = y[targetOffset + r];
        if (label == o.ignoreIndex()) {
          l = 0;
          d = 0;
        } else if (label < 0 || label >= classes) {
          l = Double.NaN;
          d = 0;
        } else {
          double smooth = 0;
          if (e > 0) {
            for (int c = 0; c < classes; c++) smooth -= w(w, c) * (x[base + c] - lse);
          }
          l = (1 - e) * (-w(w, label) * (x[base + label] - lse)) + e / classes * smooth;
          d = w(w, label);
        }
      }
      out[r] = HostVectors.round(logits, l);
      sum += out[r];
      den += HostVectors.round(logits, d);
    }
    HostVectors.write(loss, lossOffset, out);
    if (total != null) {
      HostVectors.write(total, totalOffset, new double[] {o.mean() ? sum / den : sum, den});
    }
  }

  static void backward(
      CrossEntropyOptions o,
      CpuStorage logits,
      int logitsOffset,
      CpuStorage target,
      int targetOffset,
      CpuStorage weight,
      CpuStorage gradOut,
      int gradOutOffset,
      boolean perRow,
      CpuStorage total,
      int totalOffset,
      CpuStorage gx,
      int gxOffset) {
    if (plainLabels(o, logits, weight, gx)) {
      double[] g =
          HostVectors.read(gradOut, gradOutOffset, perRow ? o.rows() : Math.min(1, o.rows()));
      double den = o.mean() ? HostVectors.read(total, totalOffset + 1, 1)[0] : 1;
      backwardLabels(
          o,
          logits.floats(),
          logitsOffset,
          target.ints(),
          targetOffset,
          g,
          perRow,
          den,
          gx.floats(),
          gxOffset);
      return;
    }
    int rows = o.rows();
    int classes = o.classes();
    double e = o.labelSmoothing();
    double[] x = HostVectors.read(logits, logitsOffset, rows * classes);
    double[] w = HostVectors.read(weight, 0, classes);
    double[] t =
        o.probabilityTargets() ? HostVectors.read(target, targetOffset, rows * classes) : null;
    int[] y = o.probabilityTargets() ? null : target.ints();
    double[] g = HostVectors.read(gradOut, gradOutOffset, perRow ? rows : Math.min(1, rows));
    double den = o.mean() ? HostVectors.read(total, totalOffset + 1, 1)[0] : 1;
    double wSum = 0;
    for (int c = 0; c < classes; c++) wSum += w(w, c);
    double[] out = new double[rows * classes];
    double[] p = new double[classes];
    for (int r = 0; r < rows; r++) {
      int base = r * classes;
      double gr = g[perRow ? r : 0] / den;
      softmax(x, base, classes, p);
      if (t != null) {
        double s = 0;
        for (int c = 0; c < classes; c++) s += w(w, c) * ((1 - e) * t[base + c] + e / classes);
        for (int j = 0; j < classes; j++) {
          double tj = (1 - e) * t[base + j] + e / classes;
          out[base + j] = gr * (p[j] * s - w(w, j) * tj);
        }
        continue;
      }
      int label = y[targetOffset + r];
      if (label == o.ignoreIndex()) {
        continue; // zeros
      }
      if (label < 0 || label >= classes) {
        java.util.Arrays.fill(out, base, base + classes, Double.NaN);
        continue;
      }
      double wy = w(w, label);
      double coef = (1 - e) * wy + e / classes * wSum;
      for (int j = 0; j < classes; j++) {
        double v = p[j] * coef - e / classes * w(w, j);
        if (j == label) v -= (1 - e) * wy;
        out[base + j] = gr * v;
      }
    }
    HostVectors.write(gx, gxOffset, out);
  }
}
