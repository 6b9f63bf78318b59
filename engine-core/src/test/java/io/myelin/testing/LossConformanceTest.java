package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Tensor;
import io.myelin.loss.BCELoss;
import io.myelin.loss.BCEWithLogitsLoss;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.loss.HuberLoss;
import io.myelin.loss.KLDivLoss;
import io.myelin.loss.L1Loss;
import io.myelin.loss.Loss;
import io.myelin.loss.MSELoss;
import io.myelin.loss.NLLLoss;
import io.myelin.loss.Reduction;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every loss against double loops on seeded inputs (each reduction), against hand computations for
 * the class-weight / ignore-index / label-smoothing rules, and through float64 gradient checks
 * (tolerance 1e-6).
 */
public abstract class LossConformanceTest extends DeviceTestBase {
  private static final double TOL = 1e-10;

  /** The three reductions of per-element values. */
  private static double[] reduce(double[] v, Reduction r) {
    double s = 0;
    for (double d : v) {
      s += d;
    }
    return switch (r) {
      case NONE -> v;
      case SUM -> new double[] {s};
      case MEAN -> new double[] {s / v.length};
      case BATCHMEAN -> throw new AssertionError();
    };
  }

  private static double[] pointwise(double[] x, double[] y, DoubleBinaryOperator f) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = f.applyAsDouble(x[i], y[i]);
    }
    return out;
  }

  private void checkPointwise(
      String name,
      Loss loss,
      Reduction r,
      double[] x,
      double[] y,
      int[] shape,
      DoubleBinaryOperator f) {
    double[] expected = reduce(pointwise(x, y, f), r);
    Tensor out = loss.forward(Tensor.of(x, shape), Tensor.of(y, shape));
    assertArrayEquals(r == Reduction.NONE ? shape : new int[0], out.shape(), name + " shape");
    assertClose(expected, out.toDoubleArray(), TOL, name + " " + r);
    // float32 input, float64 reference: within 1e-5 relative
    Tensor out32 =
        loss.forward(Tensor.of(x, shape).to(io.myelin.DType.FLOAT32), Tensor.of(y, shape));
    assertClose(expected, out32.toDoubleArray(), 1e-5, name + " f32 " + r);
  }

  @Test
  void regressionLossesMatchLoops() {
    int[] shape = {7, 3};
    double[] x = randomDoubles(1, 21, -3, 3);
    double[] y = randomDoubles(2, 21, -3, 3);
    for (Reduction r : List.of(Reduction.NONE, Reduction.MEAN, Reduction.SUM)) {
      checkPointwise("mse", new MSELoss(r), r, x, y, shape, (a, b) -> (a - b) * (a - b));
      checkPointwise(
          "mse/2", new MSELoss(r, true), r, x, y, shape, (a, b) -> 0.5 * (a - b) * (a - b));
      checkPointwise("l1", new L1Loss(r), r, x, y, shape, (a, b) -> Math.abs(a - b));
      double delta = 0.7;
      checkPointwise(
          "huber",
          new HuberLoss(delta, r),
          r,
          x,
          y,
          shape,
          (a, b) -> {
            double d = Math.abs(a - b);
            return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
          });
    }
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MSELoss().forward(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
    assertTrue(
        e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new HuberLoss(0));
    assertThrows(IllegalArgumentException.class, () -> new L1Loss(Reduction.BATCHMEAN));
  }

  @Test
  void binaryLossesMatchLoops() {
    int[] shape = {5, 4};
    double[] logits = randomDoubles(3, 20, -6, 6);
    double[] p = new double[20];
    for (int i = 0; i < 20; i++) {
      p[i] = 1 / (1 + Math.exp(-logits[i]));
    }
    double[] y = randomDoubles(4, 20, 0, 1);
    for (Reduction r : List.of(Reduction.NONE, Reduction.MEAN, Reduction.SUM)) {
      checkPointwise(
          "bce",
          new BCELoss(r),
          r,
          p,
          y,
          shape,
          (a, b) -> -(b * Math.max(Math.log(a), -100) + (1 - b) * Math.max(Math.log(1 - a), -100)));
      checkPointwise(
          "bce-logits",
          new BCEWithLogitsLoss(r),
          r,
          logits,
          y,
          shape,
          (a, b) ->
              -(b * Math.log(1 / (1 + Math.exp(-a)))
                  + (1 - b) * Math.log(1 - 1 / (1 + Math.exp(-a)))));
    }
    // pos_weight per class (last dim): -(pw y log s + (1 - y) log(1 - s)).
    double[] pw = {0.5, 1, 2, 3};
    Loss weighted = new BCEWithLogitsLoss(Reduction.NONE, null, Tensor.of(pw, 4));
    double[] expected = new double[20];
    for (int i = 0; i < 20; i++) {
      double s = 1 / (1 + Math.exp(-logits[i]));
      expected[i] = -(pw[i % 4] * y[i] * Math.log(s) + (1 - y[i]) * Math.log(1 - s));
    }
    assertClose(
        expected,
        weighted.forward(Tensor.of(logits, shape), Tensor.of(y, shape)).toDoubleArray(),
        TOL,
        "pos_weight");
  }

  @Test
  void binaryLossesAtTheExtremes() {
    // BCE clamps each log at -100: p = 0 with y = 1 costs exactly 100, not infinity.
    Tensor l =
        new BCELoss(Reduction.NONE)
            .forward(Tensor.of(new double[] {0, 1, 0.5}, 3), Tensor.of(new double[] {1, 0, 1}, 3));
    assertClose(new double[] {100, 100, Math.log(2)}, l.toDoubleArray(), 1e-12, "bce clamp");
    // With logits: huge magnitudes stay finite and exact.
    Tensor z = Tensor.of(new double[] {1000, -1000, 1000, -1000, 0}, 5).requiresGrad(true);
    Tensor t = Tensor.of(new double[] {1, 0, 0, 1, 1}, 5);
    Tensor bl = new BCEWithLogitsLoss(Reduction.NONE).forward(z, t);
    assertClose(
        new double[] {0, 0, 1000, 1000, Math.log(2)},
        bl.toDoubleArray(),
        1e-12,
        "bce logits extremes");
    bl.sum().backward();
    // d/dz = sigmoid(z) - y, exact at z = 0 too.
    assertClose(
        new double[] {0, 0, 1, -1, -0.5}, z.grad().toDoubleArray(), 1e-12, "bce logits gradient");
  }

  /** Softmax cross-entropy of one row against class y, with class weights (null: ones). */
  private static double[] logSoftmax(double[] row) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : row) {
      max = Math.max(max, v);
    }
    double s = 0;
    for (double v : row) {
      s += Math.exp(v - max);
    }
    double[] out = new double[row.length];
    for (int i = 0; i < row.length; i++) {
      out[i] = row[i] - max - Math.log(s);
    }
    return out;
  }

  /**
   * PyTorch's rule written as loops: {per-sample losses..., mean} with weights, ignore index and
   * smoothing e.
   */
  private static double[] crossEntropyRef(
      double[] x, int n, int c, int[] y, double[] w, int ignore, double e) {
    double[] per = new double[n + 1];
    double total = 0;
    double weightSum = 0;
    for (int i = 0; i < n; i++) {
      if (y[i] == ignore) {
        continue;
      }
      double[] lp = logSoftmax(java.util.Arrays.copyOfRange(x, i * c, i * c + c));
      double wy = w == null ? 1 : w[y[i]];
      double smooth = 0;
      for (int k = 0; k < c; k++) {
        smooth -= (w == null ? 1 : w[k]) * lp[k];
      }
      per[i] = (1 - e) * (-wy * lp[y[i]]) + e / c * smooth;
      total += per[i];
      weightSum += wy;
    }
    per[n] = total / weightSum;
    return per;
  }

  @Test
  void crossEntropyWithIndicesMatchesLoops() {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int[] nc : new int[][] {{1, 2}, {7, 3}, {13, 11}}) {
      int n = nc[0];
      int c = nc[1];
      double[] x = randomDoubles(n * 10L + c, n * c, -4, 4);
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        y[i] = rnd.nextInt(c);
      }
      double[] w = randomDoubles(n + 100L, c, 0.2, 2);
      for (double e : new double[] {0, 0.1}) {
        for (boolean weighted : new boolean[] {false, true}) {
          int ignore = n > 2 ? y[1] : -100; // also ignore a real class
          double[] ref = crossEntropyRef(x, n, c, y, weighted ? w : null, ignore, e);
          CrossEntropyLoss ce =
              new CrossEntropyLoss().withLabelSmoothing(e).withIgnoreIndex(ignore);
          if (weighted) {
            ce = ce.withWeight(Tensor.of(w, c));
          }
          String what = "ce n=" + n + " c=" + c + " e=" + e + " weighted=" + weighted;
          Tensor logits = Tensor.of(x, n, c);
          Tensor labels = Tensor.ofInts(y, n);
          assertClose(
              new double[] {ref[n]},
              ce.forward(logits, labels).toDoubleArray(),
              TOL,
              what + " mean");
          double[] none = ce.withReduction(Reduction.NONE).forward(logits, labels).toDoubleArray();
          assertClose(java.util.Arrays.copyOf(ref, n), none, TOL, what + " none");
          double sum = 0;
          for (int i = 0; i < n; i++) {
            sum += ref[i];
          }
          assertClose(
              new double[] {sum},
              ce.withReduction(Reduction.SUM).forward(logits, labels).toDoubleArray(),
              TOL,
              what + " sum");
          NnChecks.assertGrad(
              what, in -> ce_(in[0], labels, weighted ? w : null, ignore, e), Tensor.of(x, n, c));
        }
      }
    }
  }

  private static Tensor ce_(Tensor logits, Tensor labels, double[] w, int ignore, double e) {
    CrossEntropyLoss ce = new CrossEntropyLoss().withLabelSmoothing(e).withIgnoreIndex(ignore);
    return (w == null ? ce : ce.withWeight(Tensor.of(w, w.length))).forward(logits, labels);
  }

  @Test
  void crossEntropyHandComputedExample() {
    // Logits [0, ln 2, ln 3]: softmax = [1/6, 2/6, 3/6]; labels 2, 0 and one ignored sample.
    double[] row = {0, Math.log(2), Math.log(3)};
    Tensor logits =
        Tensor.of(new double[] {row[0], row[1], row[2], row[0], row[1], row[2], 5, -1, 2}, 3, 3);
    Tensor labels = Tensor.ofInts(new int[] {2, 0, -100}, 3);
    double l2 = -Math.log(0.5);
    double l0 = -Math.log(1.0 / 6);
    assertEquals(
        (l2 + l0) / 2,
        new CrossEntropyLoss().forward(logits, labels).item(),
        1e-12,
        "plain, ignoring -100");
    // Class weights [1, 2, 4]: weighted mean (4 l2 + 1 l0) / (4 + 1).
    Tensor w = Tensor.of(new double[] {1, 2, 4}, 3);
    assertEquals(
        (4 * l2 + 1 * l0) / 5,
        new CrossEntropyLoss().withWeight(w).forward(logits, labels).item(),
        1e-12,
        "weighted");
    // Smoothing 0.3 over C = 3: (1 - 0.3) nll + 0.1 * sum_c -log p_c.
    double uniform = -(Math.log(1.0 / 6) + Math.log(2.0 / 6) + Math.log(3.0 / 6));
    double expected = (0.7 * l2 + 0.1 * uniform + 0.7 * l0 + 0.1 * uniform) / 2;
    assertEquals(
        expected,
        new CrossEntropyLoss().withLabelSmoothing(0.3).forward(logits, labels).item(),
        1e-12,
        "smoothed");
  }

  @Test
  void crossEntropyWithProbabilityTargets() {
    int n = 6;
    int c = 5;
    double[] x = randomDoubles(70, n * c, -3, 3);
    int[] y = {0, 4, 2, 2, 1, 3};
    double[] oneHot = new double[n * c];
    for (int i = 0; i < n; i++) {
      oneHot[i * c + y[i]] = 1;
    }
    Tensor logits = Tensor.of(x, n, c);
    // One-hot probabilities give the index loss (smoothing included; no weights).
    for (double e : new double[] {0, 0.2}) {
      CrossEntropyLoss ce = new CrossEntropyLoss().withLabelSmoothing(e);
      assertEquals(
          ce.forward(logits, Tensor.ofInts(y, n)).item(),
          ce.forward(logits, Tensor.of(oneHot, n, c)).item(),
          1e-12);
    }
    // Soft targets with weights: mean over samples, not over weights (PyTorch).
    double[] t = randomDoubles(71, n * c, 0, 1);
    double[] w = {0.5, 1, 1.5, 2, 3};
    double total = 0;
    for (int i = 0; i < n; i++) {
      double[] lp = logSoftmax(java.util.Arrays.copyOfRange(x, i * c, i * c + c));
      for (int k = 0; k < c; k++) {
        total -= w[k] * t[i * c + k] * lp[k];
      }
    }
    CrossEntropyLoss ce = new CrossEntropyLoss().withWeight(Tensor.of(w, c));
    assertEquals(total / n, ce.forward(logits, Tensor.of(t, n, c)).item(), 1e-12);
    NnChecks.assertGrad("ce soft", in -> ce.forward(in[0], Tensor.of(t, n, c)), logits);
  }

  @Test
  void crossEntropyOverSpatialDimsAndNll() {
    // [N, C, L]: the class dim is 1, samples are N x L.
    int n = 2;
    int c = 3;
    int l = 4;
    double[] x = randomDoubles(80, n * c * l, -2, 2);
    int[] y = {0, 1, 2, 1, 2, 2, 0, 1};
    double[] flat = new double[n * l * c];
    for (int b = 0; b < n; b++) {
      for (int k = 0; k < c; k++) {
        for (int j = 0; j < l; j++) {
          flat[(b * l + j) * c + k] = x[(b * c + k) * l + j];
        }
      }
    }
    double[] ref = crossEntropyRef(flat, n * l, c, y, null, -100, 0);
    Tensor out =
        new CrossEntropyLoss()
            .withReduction(Reduction.NONE)
            .forward(Tensor.of(x, n, c, l), Tensor.ofInts(y, n, l));
    assertArrayEquals(new int[] {n, l}, out.shape());
    assertClose(java.util.Arrays.copyOf(ref, n * l), out.toDoubleArray(), TOL, "ce [N, C, L]");
    // NLL on log-probabilities equals cross-entropy on the logits.
    Tensor logits = Tensor.of(flat, n * l, c);
    Tensor labels = Tensor.ofInts(y, n * l);
    assertEquals(
        new CrossEntropyLoss().forward(logits, labels).item(),
        new NLLLoss().forward(logits.logSoftmax(1), labels).item(),
        1e-12);
    NnChecks.assertGrad(
        "nll",
        in -> new NLLLoss().withWeight(Tensor.of(new double[] {1, 2, 3}, 3)).forward(in[0], labels),
        logits);
    // Labels as whole-number floats are accepted; a wrong shape is not.
    assertEquals(
        new NLLLoss().forward(logits, labels).item(),
        new NLLLoss().forward(logits, labels.to(io.myelin.DType.FLOAT32)).item(),
        1e-12);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CrossEntropyLoss().forward(logits, Tensor.ofInts(y, 2, 4)));
    assertTrue(e.getMessage().contains("[2, 4]"), e.getMessage());
    // An out-of-range label poisons its sample with NaN instead of vanishing silently.
    double bad =
        new CrossEntropyLoss()
            .forward(Tensor.of(x, 8, 3), Tensor.ofInts(new int[] {0, 1, 2, 3, 0, 0, 0, 0}, 8))
            .item();
    assertTrue(Double.isNaN(bad), "label 3 of 3 classes gives NaN, got " + bad);
  }

  @Test
  void klDivergenceMatchesLoops() {
    int n = 4;
    int c = 7;
    double[] q = randomDoubles(90, n * c, -2, 2);
    double[] logQ = new double[n * c];
    double[] p = new double[n * c];
    double[] praw = randomDoubles(91, n * c, 0, 1);
    praw[3] = 0; // a zero target probability contributes 0
    for (int i = 0; i < n; i++) {
      double[] lq = logSoftmax(java.util.Arrays.copyOfRange(q, i * c, i * c + c));
      System.arraycopy(lq, 0, logQ, i * c, c);
      double s = 0;
      for (int k = 0; k < c; k++) {
        s += praw[i * c + k];
      }
      for (int k = 0; k < c; k++) {
        p[i * c + k] = praw[i * c + k] / s;
      }
    }
    double[] point = new double[n * c];
    double sum = 0;
    for (int i = 0; i < n * c; i++) {
      point[i] = p[i] == 0 ? 0 : p[i] * (Math.log(p[i]) - logQ[i]);
      sum += point[i];
    }
    Tensor in = Tensor.of(logQ, n, c);
    Tensor tg = Tensor.of(p, n, c);
    assertClose(
        point, new KLDivLoss(Reduction.NONE).forward(in, tg).toDoubleArray(), TOL, "kl none");
    assertEquals(
        sum / n, new KLDivLoss(Reduction.BATCHMEAN).forward(in, tg).item(), 1e-12, "batchmean");
    assertEquals(
        sum / (n * c), new KLDivLoss().forward(in, tg).item(), 1e-12, "mean (PyTorch default)");
    assertEquals(sum, new KLDivLoss(Reduction.SUM).forward(in, tg).item(), 1e-12, "sum");
    double[] logP = new double[n * c];
    for (int i = 0; i < n * c; i++) {
      logP[i] = Math.log(Math.max(p[i], 1e-300));
    }
    assertEquals(
        sum,
        new KLDivLoss(Reduction.SUM, true).forward(in, Tensor.of(logP, n, c)).item(),
        1e-9,
        "log target");
    NnChecks.assertGrad("kl", t -> new KLDivLoss(Reduction.BATCHMEAN).forward(t[0], tg), in);
  }

  @Test
  void everyLossPassesGradCheck() {
    int[] shape = {3, 5};
    double[] x = NnChecks.awayFrom(randomDoubles(100, 15, -2, 2), 0.02, 0);
    double[] y = randomDoubles(101, 15, -2, 2);
    Tensor target = Tensor.of(y, shape);
    NnChecks.assertGrad(
        "mse", in -> new MSELoss(Reduction.MEAN, true).forward(in[0], target), Tensor.of(x, shape));
    NnChecks.assertGrad(
        "l1", in -> new L1Loss(Reduction.SUM).forward(in[0], target), Tensor.of(x, shape));
    // Huber: keep |x - y| away from delta = 0.5 where the branches meet.
    double[] hx = x.clone();
    for (int i = 0; i < hx.length; i++) {
      if (Math.abs(Math.abs(hx[i] - y[i]) - 0.5) < 0.02) {
        hx[i] += 0.1;
      }
    }
    NnChecks.assertGrad(
        "huber", in -> new HuberLoss(0.5).forward(in[0], target), Tensor.of(hx, shape));
    double[] probs = randomDoubles(102, 15, 0.05, 0.95);
    Tensor y01 = Tensor.of(randomDoubles(103, 15, 0, 1), shape);
    NnChecks.assertGrad("bce", in -> new BCELoss().forward(in[0], y01), Tensor.of(probs, shape));
    NnChecks.assertGrad(
        "bce weighted",
        in ->
            new BCELoss(Reduction.SUM, Tensor.of(randomDoubles(4, 5, 0.5, 2), 5))
                .forward(in[0], y01),
        Tensor.of(probs, shape));
    NnChecks.assertGrad(
        "bce logits", in -> new BCEWithLogitsLoss().forward(in[0], y01), Tensor.of(x, shape));
    NnChecks.assertGrad(
        "bce logits pos_weight",
        in ->
            BCEWithLogitsLoss.withPosWeight(Tensor.of(new double[] {1, 2, 3, 0.5, 4}, 5))
                .forward(in[0], y01),
        Tensor.of(x, shape));
  }
}
