package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.BatchNorm2d;
import io.myelin.nn.Init;
import io.myelin.nn.LayerNorm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BatchNorm1d/2d and LayerNorm: forward against double loops, training vs evaluation semantics,
 * running statistics by hand (momentum 0.1, unbiased running variance), gradient checks.
 */
public abstract class NnNormalizationConformanceTest extends DeviceTestBase {

  /**
   * Per-channel statistics of a row-major [N, C, S] array (S = product of spatial dims): {mean[C],
   * biasedVar[C]}.
   */
  private static double[][] channelStats(double[] x, int n, int c, int s) {
    double[] mean = new double[c];
    double[] var = new double[c];
    for (int ch = 0; ch < c; ch++) {
      double sum = 0;
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < s; i++) {
          sum += x[(b * c + ch) * s + i];
        }
      }
      mean[ch] = sum / (n * s);
      double sq = 0;
      for (int b = 0; b < n; b++) {
        for (int i = 0; i < s; i++) {
          double d = x[(b * c + ch) * s + i] - mean[ch];
          sq += d * d;
        }
      }
      var[ch] = sq / (n * s);
    }
    return new double[][] {mean, var};
  }

  private static double[] normalise(
      double[] x,
      int n,
      int c,
      int s,
      double[] mean,
      double[] var,
      double[] gamma,
      double[] beta,
      double eps) {
    double[] y = new double[x.length];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < s; i++) {
          int k = (b * c + ch) * s + i;
          y[k] = (x[k] - mean[ch]) / Math.sqrt(var[ch] + eps) * gamma[ch] + beta[ch];
        }
      }
    }
    return y;
  }

  @Test
  void batchNorm1dTrainingUsesBatchStatsAndUpdatesRunningStats() {
    int n = 7;
    int c = 5;
    BatchNorm1d bn = new BatchNorm1d(c);
    bn.to(DType.FLOAT64);
    Generator g = new Generator(3);
    Init.uniform(bn.weight(), 0.5, 1.5, g);
    Init.uniform(bn.bias(), -0.5, 0.5, g);
    double[] gamma = bn.weight().toDoubleArray();
    double[] beta = bn.bias().toDoubleArray();
    double[] rm = new double[c];
    double[] rv = new double[c];
    java.util.Arrays.fill(rv, 1);
    for (int step = 1; step <= 3; step++) {
      double[] x = randomDoubles(10 + step, n * c, -2, 3);
      Tensor y = bn.forward(Tensor.of(x, n, c));
      double[][] st = channelStats(x, n, c, 1);
      assertClose(
          normalise(x, n, c, 1, st[0], st[1], gamma, beta, 1e-5),
          y.toDoubleArray(),
          1e-10,
          "train forward " + step);
      for (int ch = 0; ch < c; ch++) {
        rm[ch] = 0.9 * rm[ch] + 0.1 * st[0][ch];
        rv[ch] = 0.9 * rv[ch] + 0.1 * st[1][ch] * n / (n - 1.0); // unbiased into running_var
      }
      assertClose(rm, bn.runningMean().toDoubleArray(), 1e-12, "running_mean " + step);
      assertClose(rv, bn.runningVar().toDoubleArray(), 1e-12, "running_var " + step);
      assertEquals(step, (int) bn.numBatchesTracked().item());
      assertEquals(DType.INT32, bn.numBatchesTracked().dtype());
    }
    // What eval must leave untouched: the running mean as training left it, bit for bit (rm above
    // is the test's own float64 reference, equal to it within 1e-12).
    double[] trained = bn.runningMean().toDoubleArray();
    bn.eval();
    double[] x = randomDoubles(20, 3 * c, -2, 2);
    Tensor y = bn.forward(Tensor.of(x, 3, c));
    assertClose(
        normalise(x, 3, c, 1, rm, rv, gamma, beta, 1e-5), y.toDoubleArray(), 1e-10, "eval forward");
    assertEquals(3, (int) bn.numBatchesTracked().item(), "eval does not count");
    assertClose(trained, bn.runningMean().toDoubleArray(), 0, "eval leaves running_mean");
  }

  @Test
  void batchNormHandComputedExample() {
    // One channel, batch {1, 2, 3, 6}: mean 3, biased var 3.5, unbiased var 14/3.
    BatchNorm1d bn = new BatchNorm1d(1);
    Tensor y = bn.forward(Tensor.of(new float[] {1, 2, 3, 6}, 4, 1));
    double s = Math.sqrt(3.5 + 1e-5);
    assertClose(new double[] {-2 / s, -1 / s, 0, 3 / s}, y.toFloatArray(), 1e-5, "normalised");
    assertClose(new double[] {0.3}, bn.runningMean().toFloatArray(), 1e-6, "0.9*0 + 0.1*3");
    assertClose(
        new double[] {0.9 + 0.1 * 14 / 3.0},
        bn.runningVar().toFloatArray(),
        1e-6,
        "0.9*1 + 0.1*14/3");
  }

  @Test
  void batchNorm1dOnSequencesAndBatchNorm2dMatchLoops() {
    int n = 3;
    int c = 4;
    int l = 6;
    double[] x = randomDoubles(30, n * c * l, -1, 2);
    BatchNorm1d bn1 = new BatchNorm1d(c);
    bn1.to(DType.FLOAT64);
    double[][] st = channelStats(x, n, c, l);
    double[] ones = {1, 1, 1, 1};
    double[] zeros = new double[c];
    assertClose(
        normalise(x, n, c, l, st[0], st[1], ones, zeros, 1e-5),
        bn1.forward(Tensor.of(x, n, c, l)).toDoubleArray(),
        1e-10,
        "bn1d [N, C, L]");
    int h = 3;
    int w = 5;
    double[] x2 = randomDoubles(31, 2 * c * h * w, -3, 1);
    BatchNorm2d bn2 = new BatchNorm2d(c, 1e-3, 0.1, true, true);
    double[][] st2 = channelStats(x2, 2, c, h * w);
    float[] y2 = bn2.forward(Tensor.of(toFloat(x2), 2, c, h, w)).toFloatArray();
    assertClose(normalise(x2, 2, c, h * w, st2[0], st2[1], ones, zeros, 1e-3), y2, 1e-4, "bn2d");
    double[] expectedRv = new double[c];
    for (int ch = 0; ch < c; ch++) {
      expectedRv[ch] = 0.9 + 0.1 * st2[1][ch] * (2 * h * w) / (2.0 * h * w - 1);
    }
    assertClose(expectedRv, bn2.runningVar().toFloatArray(), 1e-5, "bn2d running_var");
    assertThrows(IllegalArgumentException.class, () -> bn2.forward(Tensor.zeros(2, c, 3)));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> bn1.forward(Tensor.zeros(DType.FLOAT64, 2, c + 1)));
    assertTrue(e.getMessage().contains("channels"), e.getMessage());
  }

  @Test
  void withoutRunningStatsBatchStatsAreAlwaysUsed() {
    BatchNorm1d bn = new BatchNorm1d(3, 1e-5, 0.1, false, false);
    assertTrue(bn.stateDict().isEmpty());
    assertNull(bn.runningMean());
    bn.eval();
    double[] x = randomDoubles(40, 4 * 3, -1, 1);
    double[][] st = channelStats(x, 4, 3, 1);
    assertClose(
        normalise(x, 4, 3, 1, st[0], st[1], new double[] {1, 1, 1}, new double[3], 1e-5),
        bn.forward(Tensor.of(x, 4, 3)).toDoubleArray(),
        1e-10,
        "eval, no tracking");
  }

  @Test
  void batchNormStateDictKeysAndSingleValueError() {
    BatchNorm1d bn = new BatchNorm1d(2);
    assertEquals(
        List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
        new ArrayList<>(bn.stateDict().keySet()));
    assertEquals(List.of("weight", "bias"), new ArrayList<>(bn.namedParameters().keySet()));
    bn.to(DType.FLOAT64);
    assertEquals(DType.INT32, bn.numBatchesTracked().dtype(), "integer buffer keeps its dtype");
    assertEquals(DType.FLOAT64, bn.runningVar().dtype());
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(DType.FLOAT64, 1, 2)));
    assertTrue(e.getMessage().contains("more than 1 value"), e.getMessage());
    bn.eval();
    assertArrayEquals(new int[] {1, 2}, bn.forward(Tensor.zeros(DType.FLOAT64, 1, 2)).shape());
  }

  @Test
  void batchNormPassesGradCheckInTrainingAndEval() {
    BatchNorm1d bn = new BatchNorm1d(3);
    bn.to(DType.FLOAT64);
    Init.uniform(bn.weight(), 0.5, 1.5, new Generator(1));
    Init.uniform(bn.bias(), -1, 1, new Generator(2));
    NnChecks.assertModuleGradients("bn1d train", bn, rand64(50, 5, 3));
    NnChecks.assertModuleGradients("bn1d train [N,C,L]", bn, rand64(51, 2, 3, 4));
    bn.eval();
    NnChecks.assertModuleGradients("bn1d eval", bn, rand64(52, 4, 3));
    NnChecks.assertModuleGradients("bn2d train", new BatchNorm2d(2), rand64(53, 2, 2, 3, 2));
    NnChecks.assertModuleGradients(
        "bn no affine", new BatchNorm1d(2, 1e-5, 0.1, false, false), rand64(54, 3, 2));
  }

  @Test
  void layerNormMatchesLoopsAndPassesGradCheck() {
    int rows = 6;
    int d = 11;
    double[] x = randomDoubles(60, rows * d, -2, 2);
    LayerNorm ln = new LayerNorm(d);
    ln.to(DType.FLOAT64);
    try (var ignored = Autograd.noGrad()) {
      Init.uniform(ln.weight(), 0.5, 1.5, new Generator(61));
      Init.uniform(ln.bias(), -1, 1, new Generator(62));
    }
    double[] gamma = ln.weight().toDoubleArray();
    double[] beta = ln.bias().toDoubleArray();
    double[] expected = new double[x.length];
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int j = 0; j < d; j++) {
        mean += x[r * d + j] / d;
      }
      double var = 0;
      for (int j = 0; j < d; j++) {
        var += (x[r * d + j] - mean) * (x[r * d + j] - mean) / d;
      }
      for (int j = 0; j < d; j++) {
        expected[r * d + j] = (x[r * d + j] - mean) / Math.sqrt(var + 1e-5) * gamma[j] + beta[j];
      }
    }
    assertClose(expected, ln.forward(Tensor.of(x, 2, 3, d)).toDoubleArray(), 1e-10, "layer norm");
    ln.eval();
    assertClose(expected, ln.forward(Tensor.of(x, rows, d)).toDoubleArray(), 1e-10, "same in eval");
    assertEquals(List.of("weight", "bias"), new ArrayList<>(ln.stateDict().keySet()));
    NnChecks.assertModuleGradients("layer norm", ln, rand64(63, 3, d));
    NnChecks.assertModuleGradients("layer norm 2 dims", new LayerNorm(2, 3), rand64(64, 2, 2, 3));
    assertThrows(
        IllegalArgumentException.class, () -> ln.forward(Tensor.zeros(DType.FLOAT64, 2, d + 1)));
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
