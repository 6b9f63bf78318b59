package io.myelin.cpu;

import io.myelin.backend.BatchNormOptions;

/**
 * The CPU's batch and layer normalisation ({@link io.myelin.backend.Backend#batchNorm}, {@link
 * io.myelin.backend.Backend#layerNorm} and their backwards), computed in double with two-pass
 * statistics (the mean first, then the centred squares, so tiny variances on large means stay
 * accurate) and sums in element order; the mean's sum is compensated (Neumaier), since a naive sum
 * of many values on a large mean is off by more than the variance can afford (65537 values near 100
 * with spread 1e-3: the mean off by ~1e-12 moves y by ~1e-10). Stateless and thread-safe.
 */
final class NormalizationKernels {
  private NormalizationKernels() {}

  private static double at(double[] v, int i, double absent) {
    return v == null ? absent : v[i];
  }

  /**
   * One step of Neumaier's compensated sum: adds v to sum[i], accumulating the rounding error in
   * comp[i]; the sum is sum[i] + comp[i]. Deterministic (a fixed order of double operations).
   */
  private static void addCompensated(double[] sum, double[] comp, int i, double v) {
    double s = sum[i];
    double t = s + v;
    comp[i] += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
    sum[i] = t;
  }

  static void batchNorm(
      BatchNormOptions o,
      CpuStorage x,
      int xOffset,
      CpuStorage gamma,
      CpuStorage beta,
      CpuStorage runningMean,
      CpuStorage runningVar,
      CpuStorage saveMean,
      CpuStorage saveInvStd,
      CpuStorage y,
      int yOffset) {
    int n = o.batch();
    int channels = o.channels();
    int sp = o.spatial();
    int m = o.perChannel();
    double[] xs = HostVectors.read(x, xOffset, o.size());
    double[] g = HostVectors.read(gamma, 0, channels);
    double[] b = HostVectors.read(beta, 0, channels);
    double[] rm = HostVectors.read(runningMean, 0, channels);
    double[] rv = HostVectors.read(runningVar, 0, channels);
    double[] mean = new double[channels];
    double[] istd = new double[channels];
    // Per-channel sums walked in memory order (sample, channel, position): each channel's
    // elements are still added in (sample, position) order, and [N, C] rows stream from cache.
    double[] sum = new double[channels];
    double[] comp = new double[channels];
    double[] sq = new double[channels];
    if (o.training()) {
      for (int i = 0; i < n; i++) {
        if (sp == 1) { // [N, C]: one pass along the row
          int base = i * channels;
          for (int c = 0; c < channels; c++) addCompensated(sum, comp, c, xs[base + c]);
          continue;
        }
        for (int c = 0; c < channels; c++) {
          int base = (i * channels + c) * sp;
          for (int k = 0; k < sp; k++) addCompensated(sum, comp, c, xs[base + k]);
        }
      }
      for (int c = 0; c < channels; c++) {
        mean[c] = (sum[c] + comp[c]) / m;
      }
      for (int i = 0; i < n; i++) {
        if (sp == 1) {
          int base = i * channels;
          for (int c = 0; c < channels; c++) {
            double d = xs[base + c] - mean[c];
            sq[c] += d * d;
          }
          continue;
        }
        for (int c = 0; c < channels; c++) {
          int base = (i * channels + c) * sp;
          double mu = mean[c];
          double q = sq[c];
          for (int k = 0; k < sp; k++) {
            double d = xs[base + k] - mu;
            q += d * d;
          }
          sq[c] = q;
        }
      }
    }
    for (int c = 0; c < channels; c++) {
      if (o.training()) {
        double mu = mean[c];
        double var = sq[c] / m;
        istd[c] = 1 / Math.sqrt(var + o.eps());
        if (rm != null) {
          double unbiased = m > 1 ? var * m / (m - 1.0) : var;
          rm[c] = (1 - o.momentum()) * rm[c] + o.momentum() * mu;
          rv[c] = (1 - o.momentum()) * rv[c] + o.momentum() * unbiased;
        }
      } else {
        mean[c] = rm[c];
        istd[c] = 1 / Math.sqrt(rv[c] + o.eps());
      }
    }
    double[] scale = new double[channels];
    double[] shift = new double[channels];
    for (int c = 0; c < channels; c++) {
      scale[c] = istd[c] * at(g, c, 1);
      shift[c] = at(b, c, 0);
    }
    double[] out = new double[o.size()];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        int base = (i * channels + c) * sp;
        if (sp == 1) {
          out[base] = (xs[base] - mean[c]) * scale[c] + shift[c];
          continue;
        }
        for (int k = 0; k < sp; k++) {
          out[base + k] = (xs[base + k] - mean[c]) * scale[c] + shift[c];
        }
      }
    }
    HostVectors.write(y, yOffset, out);
    if (o.training() && rm != null) {
      HostVectors.write(runningMean, 0, rm);
      HostVectors.write(runningVar, 0, rv);
    }
    HostVectors.write(saveMean, 0, mean);
    HostVectors.write(saveInvStd, 0, istd);
  }

  static void batchNormBackward(
      BatchNormOptions o,
      CpuStorage x,
      int xOffset,
      CpuStorage gy,
      int gyOffset,
      CpuStorage gamma,
      CpuStorage saveMean,
      CpuStorage saveInvStd,
      CpuStorage gx,
      int gxOffset,
      CpuStorage gGamma,
      CpuStorage gBeta) {
    int n = o.batch();
    int channels = o.channels();
    int sp = o.spatial();
    int m = o.perChannel();
    double[] xs = HostVectors.read(x, xOffset, o.size());
    double[] gys = HostVectors.read(gy, gyOffset, o.size());
    double[] g = HostVectors.read(gamma, 0, channels);
    double[] mean = HostVectors.read(saveMean, 0, channels);
    double[] istd = HostVectors.read(saveInvStd, 0, channels);
    double[] sumGy = new double[channels];
    double[] sumGyXhat = new double[channels];
    // Memory order, each channel's terms still in (sample, position) order (see the forward).
    for (int i = 0; i < n; i++) {
      if (sp == 1) {
        int base = i * channels;
        for (int c = 0; c < channels; c++) {
          sumGy[c] += gys[base + c];
          sumGyXhat[c] += gys[base + c] * (xs[base + c] - mean[c]) * istd[c];
        }
        continue;
      }
      for (int c = 0; c < channels; c++) {
        double mu = mean[c];
        double is = istd[c];
        double a = sumGy[c];
        double bsum = sumGyXhat[c];
        for (int k = 0; k < sp; k++) {
          int j = (i * channels + c) * sp + k;
          a += gys[j];
          bsum += gys[j] * (xs[j] - mu) * is;
        }
        sumGy[c] = a;
        sumGyXhat[c] = bsum;
      }
    }
    if (gx != null) {
      double[] k0 = new double[channels];
      for (int c = 0; c < channels; c++) {
        k0[c] = at(g, c, 1) * istd[c];
      }
      boolean training = o.training();
      double[] out = new double[o.size()];
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < channels; c++) {
          for (int k = 0, j = (i * channels + c) * sp; k < sp; k++, j++) {
            double xhat = (xs[j] - mean[c]) * istd[c];
            out[j] =
                training
                    ? k0[c] / m * (m * gys[j] - sumGy[c] - xhat * sumGyXhat[c])
                    : k0[c] * gys[j];
          }
        }
      }
      HostVectors.write(gx, gxOffset, out);
    }
    HostVectors.write(gGamma, 0, sumGyXhat);
    HostVectors.write(gBeta, 0, sumGy);
  }

  static void layerNorm(
      int rows,
      int cols,
      double eps,
      CpuStorage x,
      int xOffset,
      CpuStorage gamma,
      CpuStorage beta,
      CpuStorage saveMean,
      CpuStorage saveInvStd,
      CpuStorage y,
      int yOffset) {
    double[] xs = HostVectors.read(x, xOffset, rows * cols);
    double[] g = HostVectors.read(gamma, 0, cols);
    double[] b = HostVectors.read(beta, 0, cols);
    double[] mean = new double[rows];
    double[] istd = new double[rows];
    double[] out = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      int base = r * cols;
      double[] s = new double[1];
      double[] comp = new double[1];
      for (int j = 0; j < cols; j++) addCompensated(s, comp, 0, xs[base + j]);
      double mu = (s[0] + comp[0]) / cols;
      double q = 0;
      for (int j = 0; j < cols; j++) q += (xs[base + j] - mu) * (xs[base + j] - mu);
      mean[r] = mu;
      istd[r] = 1 / Math.sqrt(q / cols + eps);
      for (int j = 0; j < cols; j++) {
        out[base + j] = (xs[base + j] - mu) * istd[r] * at(g, j, 1) + at(b, j, 0);
      }
    }
    HostVectors.write(y, yOffset, out);
    HostVectors.write(saveMean, 0, mean);
    HostVectors.write(saveInvStd, 0, istd);
  }

  static void layerNormBackward(
      int rows,
      int cols,
      CpuStorage x,
      int xOffset,
      CpuStorage gy,
      int gyOffset,
      CpuStorage gamma,
      CpuStorage saveMean,
      CpuStorage saveInvStd,
      CpuStorage gx,
      int gxOffset,
      CpuStorage gGamma,
      CpuStorage gBeta) {
    double[] xs = HostVectors.read(x, xOffset, rows * cols);
    double[] gys = HostVectors.read(gy, gyOffset, rows * cols);
    double[] g = HostVectors.read(gamma, 0, cols);
    double[] mean = HostVectors.read(saveMean, 0, rows);
    double[] istd = HostVectors.read(saveInvStd, 0, rows);
    double[] out = new double[rows * cols];
    double[] gg = new double[cols];
    double[] gb = new double[cols];
    for (int r = 0; r < rows; r++) {
      int base = r * cols;
      double sumH = 0;
      double sumHXhat = 0;
      for (int j = 0; j < cols; j++) {
        double xhat = (xs[base + j] - mean[r]) * istd[r];
        double h = gys[base + j] * at(g, j, 1);
        sumH += h;
        sumHXhat += h * xhat;
        gg[j] += gys[base + j] * xhat;
        gb[j] += gys[base + j];
      }
      for (int j = 0; j < cols; j++) {
        double xhat = (xs[base + j] - mean[r]) * istd[r];
        double h = gys[base + j] * at(g, j, 1);
        out[base + j] = istd[r] / cols * (cols * h - sumH - xhat * sumHXhat);
      }
    }
    HostVectors.write(gx, gxOffset, out);
    HostVectors.write(gGamma, 0, gg);
    HostVectors.write(gBeta, 0, gb);
  }
}
