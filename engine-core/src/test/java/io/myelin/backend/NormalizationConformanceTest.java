package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.myelin.DType;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Conformance of batch norm ({@code [batch, channels, spatial]}, training and inference, with and
 * without affine and running statistics) and layer norm: forward against double loops (including
 * batch 1, batch 65537, primes, rows longer than a block, and tiny variances on a large mean),
 * backward against central differences in float64, float32 against float64, determinism, and
 * poisoned outputs.
 */
public abstract class NormalizationConformanceTest extends BackendTestSupport {
  private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
  private static final int[][] BN_SHAPES = {
    {2, 1, 1}, {1, 3, 5}, {7, 5, 1}, {4, 3, 13}, {3, 2, 1031}, {65537, 3, 1}, {2, 17, 64}
  };
  private static final int[][] LN_SHAPES = {
    {1, 1}, {1, 7}, {3, 10}, {65537, 3}, {5, 1031}, {2, 4099}, {31, 256}
  };

  private static double[] draw(SplittableRandom r, int n, boolean tinyVariance) {
    double[] x = uniform(r, n, -2, 2);
    if (tinyVariance) {
      for (int i = 0; i < n; i++) x[i] = 100 + 1e-3 * x[i];
    }
    return x;
  }

  /**
   * The sum of the terms rounded once (BigDecimal adds doubles exactly). A naive running sum of
   * 65537 values near 100 is off by ~1e-12 in the mean, which on a variance of ~1e-7 moves y by
   * more than the float64 bound; a backend's blocked or pairwise sum is closer than that.
   */
  private static double exactSum(double[] terms) {
    BigDecimal sum = BigDecimal.ZERO;
    for (double t : terms) sum = sum.add(new BigDecimal(t));
    return sum.doubleValue();
  }

  // ---- batch norm -----------------------------------------------------------------------------

  /** y, mean, istd, new running mean, new running var, in double. */
  private static double[][] bnReference(
      BatchNormOptions o, double[] x, double[] g, double[] b, double[] rm, double[] rv) {
    int n = o.batch(), ch = o.channels(), sp = o.spatial(), m = o.perChannel();
    double[] mean = new double[ch], istd = new double[ch], nrm = rm.clone(), nrv = rv.clone();
    for (int c = 0; c < ch; c++) {
      if (o.training()) {
        double[] terms = new double[m];
        for (int i = 0; i < n; i++)
          for (int k = 0; k < sp; k++) terms[i * sp + k] = x[(i * ch + c) * sp + k];
        double mu = exactSum(terms) / m;
        for (int i = 0; i < m; i++) terms[i] = Math.pow(terms[i] - mu, 2);
        double q = exactSum(terms);
        mean[c] = mu;
        istd[c] = 1 / Math.sqrt(q / m + o.eps());
        nrm[c] = (1 - o.momentum()) * rm[c] + o.momentum() * mu;
        nrv[c] = (1 - o.momentum()) * rv[c] + o.momentum() * (m > 1 ? q / (m - 1) : q / m);
      } else {
        mean[c] = rm[c];
        istd[c] = 1 / Math.sqrt(rv[c] + o.eps());
      }
    }
    double[] y = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      int c = j / sp % ch;
      y[j] = (x[j] - mean[c]) * istd[c] * (g == null ? 1 : g[c]) + (b == null ? 0 : b[c]);
    }
    return new double[][] {y, mean, istd, nrm, nrv};
  }

  @Test
  void batchNormForwardMatchesReference() {
    SplittableRandom r = rng(1000);
    for (DType dt : FLOATS) {
      for (int[] s : BN_SHAPES) {
        for (int variant = 0; variant < 4; variant++) {
          boolean training = variant != 3;
          boolean affine = variant != 1;
          boolean tiny = variant == 2;
          var o = new BatchNormOptions(s[0], s[1], s[2], training, 0.1, 1e-5);
          double[] x = rounded(dt, draw(r, o.size(), tiny));
          double[] g = affine ? rounded(dt, uniform(r, s[1], 0.5, 2)) : null;
          double[] b = affine ? rounded(dt, uniform(r, s[1], -1, 1)) : null;
          double[] rm = rounded(dt, uniform(r, s[1], -1, 1));
          double[] rv = rounded(dt, uniform(r, s[1], 0.5, 2));
          Storage xs = upload(dt, CrossEntropyConformanceTest.pad(2, x));
          Storage gs = affine ? upload(dt, g) : null;
          Storage bs = affine ? upload(dt, b) : null;
          Storage rms = upload(dt, rm);
          Storage rvs = upload(dt, rv);
          Storage mean = filled(dt, s[1], Double.NaN);
          Storage istd = filled(dt, s[1], Double.NaN);
          Storage y = filled(dt, o.size() + 1, Double.NaN);
          backend().batchNorm(o, xs, 2, gs, bs, rms, rvs, mean, istd, y, 1);
          double[][] ref = bnReference(o, x, g, b, rm, rv);
          String what = "batchNorm " + dt + " " + Arrays.toString(s) + " variant " + variant;
          double tol = accumulatedTol(dt) * 10;
          assertClose(
              what + " y",
              rounded(dt, ref[0]),
              Arrays.copyOfRange(download(y), 1, o.size() + 1),
              tol,
              1);
          assertClose(what + " mean", ref[1], download(mean), tol, 1);
          assertClose(what + " istd", ref[2], download(istd), tol, 1);
          assertClose(what + " running mean", ref[3], download(rms), tol, 1);
          assertClose(what + " running var", ref[4], download(rvs), tol, 1);
        }
      }
    }
  }

  @Test
  void batchNormBackwardMatchesCentralDifferences() {
    SplittableRandom r = rng(1001);
    for (int[] s : new int[][] {{2, 1, 1}, {3, 2, 2}, {4, 3, 1}, {1, 2, 5}}) {
      for (boolean training : new boolean[] {true, false}) {
        var o = new BatchNormOptions(s[0], s[1], s[2], training, 0.1, 1e-3);
        double[] x = uniform(r, o.size(), -2, 2);
        double[] g = uniform(r, s[1], 0.5, 2);
        double[] b = uniform(r, s[1], -1, 1);
        double[] rm = uniform(r, s[1], -1, 1);
        double[] rv = uniform(r, s[1], 0.5, 2);
        double[] gy = uniform(r, o.size(), -1, 1);
        Storage xs = upload(DType.FLOAT64, x);
        Storage gs = upload(DType.FLOAT64, g);
        Storage mean = allocate(DType.FLOAT64, s[1]);
        Storage istd = allocate(DType.FLOAT64, s[1]);
        Storage y = allocate(DType.FLOAT64, o.size());
        backend()
            .batchNorm(
                o,
                xs,
                0,
                gs,
                upload(DType.FLOAT64, b),
                upload(DType.FLOAT64, rm),
                upload(DType.FLOAT64, rv),
                mean,
                istd,
                y,
                0);
        Storage gx = filled(DType.FLOAT64, o.size(), Double.NaN);
        Storage gg = filled(DType.FLOAT64, s[1], Double.NaN);
        Storage gb = filled(DType.FLOAT64, s[1], Double.NaN);
        backend()
            .batchNormBackward(
                o, xs, 0, upload(DType.FLOAT64, gy), 0, gs, mean, istd, gx, 0, gg, gb);
        // Objective sum(gy * y) as a function of x, gamma and beta; running stats held fixed.
        java.util.function.Function<double[][], Double> f =
            v -> {
              double[][] ref = bnReference(o, v[0], v[1], v[2], rm, rv);
              double acc = 0;
              for (int i = 0; i < gy.length; i++) acc += gy[i] * ref[0][i];
              return acc;
            };
        double[][] point = {x, g, b};
        String what = "batchNorm' " + Arrays.toString(s) + (training ? " training" : " inference");
        assertClose(what + " dx", numeric(f, point, 0), download(gx), 1e-6, 1);
        assertClose(what + " dgamma", numeric(f, point, 1), download(gg), 1e-6, 1);
        assertClose(what + " dbeta", numeric(f, point, 2), download(gb), 1e-6, 1);
      }
    }
  }

  @Test
  void batchNormFloat32FollowsFloat64AndIsDeterministic() {
    SplittableRandom r = rng(1002);
    for (int[] s : BN_SHAPES) {
      var o = new BatchNormOptions(s[0], s[1], s[2], true, 0.1, 1e-5);
      double[] x = rounded(DType.FLOAT32, draw(r, o.size(), false));
      double[] gy = rounded(DType.FLOAT32, uniform(r, o.size(), -1, 1));
      double[] g = rounded(DType.FLOAT32, uniform(r, s[1], 0.5, 2));
      double[][] r64 = bnBackward(DType.FLOAT64, o, x, gy, g);
      double[][] r32 = bnBackward(DType.FLOAT32, o, x, gy, g);
      String what = "batchNorm' f32 vs f64 " + Arrays.toString(s);
      // dx goes through the float32-rounded saved mean and istd: xhat = (x - mean) * istd loses
      // |mean| / std ulps of the mean, so dx is held to 1e-3, the sums to 1e-4.
      assertClose(what + " dx", r64[0], r32[0], 1e-3, 1);
      // dgamma, dbeta are sums over m elements: scale by m.
      assertClose(what + " dgamma", r64[1], r32[1], 1e-4, o.perChannel());
      assertClose(what + " dbeta", r64[2], r32[2], 1e-4, o.perChannel());
      double[][] again = bnBackward(DType.FLOAT32, o, x, gy, g);
      for (int k = 0; k < 3; k++) assertArrayEquals(r32[k], again[k], what + " not deterministic");
    }
  }

  private double[][] bnBackward(DType dt, BatchNormOptions o, double[] x, double[] gy, double[] g) {
    int c = o.channels();
    Storage xs = upload(dt, x);
    Storage gs = upload(dt, g);
    Storage mean = allocate(dt, c);
    Storage istd = allocate(dt, c);
    Storage y = allocate(dt, o.size());
    backend().batchNorm(o, xs, 0, gs, upload(dt, new double[c]), null, null, mean, istd, y, 0);
    Storage gx = filled(dt, o.size(), Double.NaN);
    Storage gg = filled(dt, c, Double.NaN);
    Storage gb = filled(dt, c, Double.NaN);
    backend().batchNormBackward(o, xs, 0, upload(dt, gy), 0, gs, mean, istd, gx, 0, gg, gb);
    return new double[][] {download(gx), download(gg), download(gb)};
  }

  // ---- layer norm -----------------------------------------------------------------------------

  private static double[][] lnReference(
      int rows, int cols, double eps, double[] x, double[] g, double[] b) {
    double[] y = new double[rows * cols], mean = new double[rows], istd = new double[rows];
    for (int r = 0; r < rows; r++) {
      double[] terms = Arrays.copyOfRange(x, r * cols, (r + 1) * cols);
      double mu = exactSum(terms) / cols;
      for (int j = 0; j < cols; j++) terms[j] = Math.pow(terms[j] - mu, 2);
      double q = exactSum(terms);
      mean[r] = mu;
      istd[r] = 1 / Math.sqrt(q / cols + eps);
      for (int j = 0; j < cols; j++) {
        y[r * cols + j] =
            (x[r * cols + j] - mu) * istd[r] * (g == null ? 1 : g[j]) + (b == null ? 0 : b[j]);
      }
    }
    return new double[][] {y, mean, istd};
  }

  @Test
  void layerNormForwardMatchesReference() {
    SplittableRandom r = rng(1003);
    for (DType dt : FLOATS) {
      for (int[] s : LN_SHAPES) {
        for (int variant = 0; variant < 3; variant++) {
          int rows = s[0], cols = s[1];
          boolean affine = variant != 1;
          double[] x = rounded(dt, draw(r, rows * cols, variant == 2));
          double[] g = affine ? rounded(dt, uniform(r, cols, 0.5, 2)) : null;
          double[] b = affine ? rounded(dt, uniform(r, cols, -1, 1)) : null;
          Storage mean = filled(dt, rows, Double.NaN);
          Storage istd = filled(dt, rows, Double.NaN);
          Storage y = filled(dt, rows * cols + 3, Double.NaN);
          backend()
              .layerNorm(
                  rows,
                  cols,
                  1e-5,
                  upload(dt, CrossEntropyConformanceTest.pad(1, x)),
                  1,
                  affine ? upload(dt, g) : null,
                  affine ? upload(dt, b) : null,
                  mean,
                  istd,
                  y,
                  3);
          double[][] ref = lnReference(rows, cols, 1e-5, x, g, b);
          String what = "layerNorm " + dt + " " + Arrays.toString(s) + " variant " + variant;
          double tol = accumulatedTol(dt) * 10;
          assertClose(
              what + " y",
              rounded(dt, ref[0]),
              Arrays.copyOfRange(download(y), 3, rows * cols + 3),
              tol,
              1);
          assertClose(what + " mean", ref[1], download(mean), tol, 1);
          assertClose(what + " istd", ref[2], download(istd), tol, 1);
        }
      }
    }
  }

  @Test
  void layerNormBackwardMatchesCentralDifferences() {
    SplittableRandom r = rng(1004);
    for (int[] s : new int[][] {{1, 1}, {1, 4}, {3, 5}, {4, 2}}) {
      int rows = s[0], cols = s[1];
      double eps = 1e-3;
      double[] x = uniform(r, rows * cols, -2, 2);
      double[] g = uniform(r, cols, 0.5, 2);
      double[] b = uniform(r, cols, -1, 1);
      double[] gy = uniform(r, rows * cols, -1, 1);
      Storage xs = upload(DType.FLOAT64, x);
      Storage gs = upload(DType.FLOAT64, g);
      Storage mean = allocate(DType.FLOAT64, rows);
      Storage istd = allocate(DType.FLOAT64, rows);
      backend()
          .layerNorm(
              rows,
              cols,
              eps,
              xs,
              0,
              gs,
              upload(DType.FLOAT64, b),
              mean,
              istd,
              allocate(DType.FLOAT64, rows * cols),
              0);
      Storage gx = filled(DType.FLOAT64, rows * cols, Double.NaN);
      Storage gg = filled(DType.FLOAT64, cols, Double.NaN);
      Storage gb = filled(DType.FLOAT64, cols, Double.NaN);
      backend()
          .layerNormBackward(
              rows, cols, xs, 0, upload(DType.FLOAT64, gy), 0, gs, mean, istd, gx, 0, gg, gb);
      java.util.function.Function<double[][], Double> f =
          v -> {
            double[] y = lnReference(rows, cols, eps, v[0], v[1], v[2])[0];
            double acc = 0;
            for (int i = 0; i < gy.length; i++) acc += gy[i] * y[i];
            return acc;
          };
      double[][] point = {x, g, b};
      String what = "layerNorm' " + Arrays.toString(s);
      assertClose(what + " dx", numeric(f, point, 0), download(gx), 1e-6, 1);
      assertClose(what + " dgamma", numeric(f, point, 1), download(gg), 1e-6, 1);
      assertClose(what + " dbeta", numeric(f, point, 2), download(gb), 1e-6, 1);
    }
  }

  @Test
  void layerNormFloat32FollowsFloat64AndIsDeterministic() {
    SplittableRandom r = rng(1005);
    for (int[] s : LN_SHAPES) {
      int rows = s[0], cols = s[1];
      double[] x = rounded(DType.FLOAT32, draw(r, rows * cols, false));
      double[] gy = rounded(DType.FLOAT32, uniform(r, rows * cols, -1, 1));
      double[] g = rounded(DType.FLOAT32, uniform(r, cols, 0.5, 2));
      double[][] r64 = lnBackward(DType.FLOAT64, rows, cols, x, gy, g);
      double[][] r32 = lnBackward(DType.FLOAT32, rows, cols, x, gy, g);
      String what = "layerNorm' f32 vs f64 " + Arrays.toString(s);
      // As for batch norm: dx sees the float32-rounded saved statistics (rows of 3 have small
      // spreads, so |mean| / std is large); held to 1e-3, the column sums to 1e-4.
      assertClose(what + " dx", r64[0], r32[0], 1e-3, 1);
      assertClose(what + " dgamma", r64[1], r32[1], 1e-4, rows);
      assertClose(what + " dbeta", r64[2], r32[2], 1e-4, rows);
      double[][] again = lnBackward(DType.FLOAT32, rows, cols, x, gy, g);
      for (int k = 0; k < 3; k++) assertArrayEquals(r32[k], again[k], what + " not deterministic");
    }
  }

  private double[][] lnBackward(DType dt, int rows, int cols, double[] x, double[] gy, double[] g) {
    Storage xs = upload(dt, x);
    Storage gs = upload(dt, g);
    Storage mean = allocate(dt, rows);
    Storage istd = allocate(dt, rows);
    backend()
        .layerNorm(
            rows,
            cols,
            1e-5,
            xs,
            0,
            gs,
            upload(dt, new double[cols]),
            mean,
            istd,
            allocate(dt, rows * cols),
            0);
    Storage gx = filled(dt, rows * cols + 2, Double.NaN);
    Storage gg = filled(dt, cols, Double.NaN);
    Storage gb = filled(dt, cols, Double.NaN);
    backend()
        .layerNormBackward(rows, cols, xs, 0, upload(dt, gy), 0, gs, mean, istd, gx, 2, gg, gb);
    return new double[][] {
      Arrays.copyOfRange(download(gx), 2, rows * cols + 2), download(gg), download(gb)
    };
  }

  /** Central differences of {@code f} with respect to {@code point[which]}. */
  private static double[] numeric(
      java.util.function.Function<double[][], Double> f, double[][] point, int which) {
    double[] v = point[which];
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      double h = 1e-6;
      double keep = v[i];
      v[i] = keep + h;
      double up = f.apply(point);
      v[i] = keep - h;
      double down = f.apply(point);
      v[i] = keep;
      out[i] = (up - down) / (2 * h);
    }
    return out;
  }
}
