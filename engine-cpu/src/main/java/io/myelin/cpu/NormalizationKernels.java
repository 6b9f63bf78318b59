package io.myelin.cpu;

import io.myelin.backend.BatchNormOptions;

/**
 * The CPU's batch and layer normalisation ({@link io.myelin.backend.Backend#batchNorm}, {@link
 * io.myelin.backend.Backend#layerNorm} and their backwards), computed in double with two-pass
 * statistics (the mean first, then the centred squares, so tiny variances on large means stay
 * accurate) and sums in element order. Stateless and thread-safe.
 */
final class NormalizationKernels {
  private NormalizationKernels() {}

  private static double at(double[] v, int i, double absent) {
    return v == null ? absent : v[i];
  }

  static void batchNorm(BatchNormOptions o, CpuStorage x, int xOffset, CpuStorage gamma,
      CpuStorage beta, CpuStorage runningMean, CpuStorage runningVar, CpuStorage saveMean,
      CpuStorage saveInvStd, CpuStorage y, int yOffset) {
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
    for (int c = 0; c < channels; c++) {
      if (o.training()) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          for (int k = 0; k < sp; k++) s += xs[(i * channels + c) * sp + k];
        }
        double mu = s / m;
        double q = 0;
        for (int i = 0; i < n; i++) {
          for (int k = 0; k < sp; k++) {
            double d = xs[(i * channels + c) * sp + k] - mu;
            q += d * d;
          }
        }
        double var = q / m;
        mean[c] = mu;
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
    double[] out = new double[o.size()];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        double scale = istd[c] * at(g, c, 1);
        double shift = at(b, c, 0);
        for (int k = 0; k < sp; k++) {
          int j = (i * channels + c) * sp + k;
          out[j] = (xs[j] - mean[c]) * scale + shift;
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

  static void batchNormBackward(BatchNormOptions o, CpuStorage x, int xOffset, CpuStorage gy,
      int gyOffset, CpuStorage gamma, CpuStorage saveMean, CpuStorage saveInvStd, CpuStorage gx,
      int gxOffset, CpuStorage gGamma, CpuStorage gBeta) {
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
    for (int c = 0; c < channels; c++) {
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < sp; k++) {
          int j = (i * channels + c) * sp + k;
          sumGy[c] += gys[j];
          sumGyXhat[c] += gys[j] * (xs[j] - mean[c]) * istd[c];
        }
      }
    }
    if (gx != null) {
      double[] out = new double[o.size()];
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < channels; c++) {
          double k0 = at(g, c, 1) * istd[c];
          for (int k = 0; k < sp; k++) {
            int j = (i * channels + c) * sp + k;
            double xhat = (xs[j] - mean[c]) * istd[c];
            out[j] = o.training()
                ? k0 / m * (m * gys[j] - sumGy[c] - xhat * sumGyXhat[c])
                : k0 * gys[j];
          }
        }
      }
      HostVectors.write(gx, gxOffset, out);
    }
    HostVectors.write(gGamma, 0, sumGyXhat);
    HostVectors.write(gBeta, 0, sumGy);
  }

  static void layerNorm(int rows, int cols, double eps, CpuStorage x, int xOffset,
      CpuStorage gamma, CpuStorage beta, CpuStorage saveMean, CpuStorage saveInvStd, CpuStorage y,
      int yOffset) {
    double[] xs = HostVectors.read(x, xOffset, rows * cols);
    double[] g = HostVectors.read(gamma, 0, cols);
    double[] b = HostVectors.read(beta, 0, cols);
    double[] mean = new double[rows];
    double[] istd = new double[rows];
    double[] out = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      int base = r * cols;
      double s = 0;
      for (int j = 0; j < cols; j++) s += xs[base + j];
      double mu = s / cols;
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

  static void layerNormBackward(int rows, int cols, CpuStorage x, int xOffset, CpuStorage gy,
      int gyOffset, CpuStorage gamma, CpuStorage saveMean, CpuStorage saveInvStd, CpuStorage gx,
      int gxOffset, CpuStorage gGamma, CpuStorage gBeta) {
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
