package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.Functional;
import io.myelin.autograd.OpContext;
import io.myelin.backend.UnaryOp;
import io.myelin.loss.FusedLosses;
import io.myelin.nn.FusedLayers;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Reverse over reverse ({@link Autograd#grad} with createGraph): for each op whose backward is
 * written with tensor ops, the second derivative {@code H w} (the gradient of {@code grad f . w})
 * against central differences of the first-order gradient, in float64 (tolerance 1e-6 relative),
 * including the fused dropout and cross-entropy (whose backwards switch to tensor ops then); and an
 * op whose backward is declared first-order fails naming itself.
 */
public abstract class DoubleBackwardConformanceTest extends DeviceTestBase {
  private static final double H = 1e-5;
  private static final double TOL = 1e-6;

  /** d/dx of (grad f(x) . w) through createGraph vs central differences of grad f. */
  private static void assertSecondOrder(String what, UnaryOperator<Tensor> f, double[] x0) {
    int n = x0.length;
    double[] w = randomDoubles(what.hashCode(), n, 0.5, 1.5);
    Tensor x = Tensor.of(x0.clone(), n).requiresGrad(true);
    Tensor g = Autograd.grad(f.apply(x), new Tensor[] {x}, true)[0];
    double[] hw =
        Autograd.grad(g.mul(Tensor.of(w, n)).sum(), new Tensor[] {x}, false)[0].toDoubleArray();
    assertNull(x.grad(), what + ": grad() must not accumulate into .grad");
    for (int j = 0; j < n; j++) {
      double[] plus = x0.clone();
      double[] minus = x0.clone();
      plus[j] += H;
      minus[j] -= H;
      double[] gp = firstOrder(f, plus);
      double[] gm = firstOrder(f, minus);
      double numeric = 0;
      for (int i = 0; i < n; i++) {
        numeric += (gp[i] - gm[i]) / (2 * H) * w[i]; // (d g_i / d x_j) w_i = (H w)_j, H symmetric
      }
      double scale = Math.max(1, Math.max(Math.abs(numeric), Math.abs(hw[j])));
      assertTrue(
          Math.abs(numeric - hw[j]) <= TOL * scale,
          what + ": (H w)[" + j + "] analytic " + hw[j] + " numeric " + numeric);
    }
  }

  private static double[] firstOrder(UnaryOperator<Tensor> f, double[] at) {
    Tensor x = Tensor.of(at, at.length).requiresGrad(true);
    return Autograd.grad(f.apply(x), new Tensor[] {x}, false)[0].toDoubleArray();
  }

  @Test
  void unaryOpsWithADifferentiableBackward() {
    double[] x = randomDoubles(1, 7, -1.5, 1.5);
    double[] positive = randomDoubles(2, 7, 0.3, 2);
    assertSecondOrder("exp", t -> t.exp().sum(), x);
    assertSecondOrder("log", t -> t.log().mul(t).sum(), positive);
    assertSecondOrder("sin", t -> t.sin().mul(t).sum(), x);
    assertSecondOrder("cos", t -> t.cos().mul(t).sum(), x);
    assertSecondOrder("tanh", t -> t.tanh().mul(t.tanh()).sum(), x);
    assertSecondOrder("sigmoid", t -> t.sigmoid().mul(t).sum(), x);
    assertSecondOrder("square", t -> t.square().mul(t).sum(), x);
    assertSecondOrder("scalars", t -> t.mul(3.0).add(1.0).neg().mul(t).sub(2.0).sum(), x);
  }

  @Test
  void unaryOpsGivenASecondOrderRuleForForwardMode() {
    // Away from the kinks at 0 (and the clamp bounds), where the second derivative is defined.
    double[] x = randomDoubles(11, 7, 0.3, 1.5);
    for (int i = 0; i < x.length; i += 2) {
      x[i] = -x[i];
    }
    double[] positive = randomDoubles(12, 7, 0.3, 2);
    assertSecondOrder("sqrt", t -> t.sqrt().mul(t).sum(), positive);
    assertSecondOrder("reciprocal", t -> t.reciprocal().sum(), positive);
    assertSecondOrder("pow scalar", t -> t.pow(2.5).sum(), positive);
    assertSecondOrder("abs", t -> t.abs().mul(t).sum(), x);
    assertSecondOrder("relu", t -> t.relu().mul(t).sum(), x);
    assertSecondOrder("leaky relu", t -> t.map(UnaryOp.LEAKY_RELU, 0.1, 0).square().sum(), x);
    assertSecondOrder("clamp", t -> t.clamp(-1.2, 1.1).mul(t).sum(), x);
    assertSecondOrder("elu", t -> t.map(UnaryOp.ELU, 1.3, 0).mul(t).sum(), x);
    assertSecondOrder("softplus", t -> t.map(UnaryOp.SOFTPLUS).mul(t).sum(), x);
    assertSecondOrder("silu", t -> t.map(UnaryOp.SILU).sum(), x);
    assertSecondOrder("softmax", t -> t.reshape(1, 7).softmax(1).mul(t).sum(), x);
    assertSecondOrder("logSoftmax", t -> t.reshape(7, 1).logSoftmax(0).mul(t).sum(), x);
  }

  @Test
  void binaryReductionAndMatmul() {
    double[] x = randomDoubles(3, 6, 0.5, 2);
    assertSecondOrder("mul", t -> t.mul(t).mul(t).sum(), x);
    assertSecondOrder("div", t -> t.div(t.add(3.0)).sum(), x);
    assertSecondOrder("sub/mean", t -> t.sub(t.mul(t)).mul(t).mean(), x);
    assertSecondOrder("pow", t -> t.pow(t).sum(), x);
    assertSecondOrder(
        "matmul",
        t -> {
          Tensor a = t.reshape(2, 3);
          Tensor m = a.matmul(a.transpose(0, 1)); // [2, 2]
          return m.mul(m).sum();
        },
        x);
    assertSecondOrder(
        "broadcast",
        t -> {
          Tensor a = t.reshape(2, 3);
          return a.mul(a.sum(0, true)).exp().sum();
        },
        x);
  }

  @Test
  void courseFunctionSecondDerivative() {
    // J = cos(sin(x^2) + 3x^2): J' = -sin(u) (2x cos(x^2) + 6x), u = sin(x^2) + 3x^2.
    double[] xs = randomDoubles(4, 5, -1, 1);
    Tensor x = Tensor.of(xs.clone(), 5).requiresGrad(true);
    Tensor u = x.mul(x).sin().add(x.mul(x).mul(3.0));
    Tensor d = Autograd.grad(u.cos().sum(), new Tensor[] {x}, true)[0];
    double[] ds = d.toDoubleArray();
    for (int i = 0; i < 5; i++) {
      double v = xs[i];
      double ui = Math.sin(v * v) + 3 * v * v;
      double expected = -Math.sin(ui) * (2 * v * Math.cos(v * v) + 6 * v);
      assertEquals(expected, ds[i], 1e-12 * Math.max(1, Math.abs(expected)), "J'(" + v + ")");
    }
    assertSecondOrder("J", t -> t.mul(t).sin().add(t.mul(t).mul(3.0)).cos().sum(), xs);
  }

  @Test
  void courseLogisticRegressionTable() {
    // W^T X = 9 with X = 3 (W = 3), y = 1: L = -log(sigmoid(z)), dL/dW = -X (1 - sigmoid(z)).
    Tensor w = Tensor.of(new double[] {3}, 1).requiresGrad(true);
    Tensor x = Tensor.of(new double[] {3}, 1);
    Tensor z = w.mul(x);
    Tensor p = z.sigmoid();
    Tensor loss = p.log().neg().sum();
    assertEquals(9.0, z.toDoubleArray()[0], 0);
    assertEquals(1 / (1 + Math.exp(-9)), p.toDoubleArray()[0], 1e-15);
    assertEquals(Math.log1p(Math.exp(-9)), loss.item(), 1e-15);
    Tensor[] g = Autograd.grad(loss, new Tensor[] {w, z}, true);
    double expected = -3 * Math.exp(-9) / (1 + Math.exp(-9)); // about -3.7018e-4
    assertEquals(expected, g[0].toDoubleArray()[0], 1e-15);
    assertEquals(-3.7018e-4, g[0].toDoubleArray()[0], 5e-9);
    assertEquals(expected / 3, g[1].toDoubleArray()[0], 1e-15); // dL/dz = p - y
    // d2L/dW2 = X^2 p (1 - p)
    double pp = 1 / (1 + Math.exp(-9));
    double h = Autograd.grad(g[0].sum(), new Tensor[] {w}, false)[0].toDoubleArray()[0];
    assertEquals(9 * pp * (1 - pp), h, 1e-15);
  }

  /** x^3 with a backward declared first-order (as a backend primitive would be). */
  private static DifferentiableOp firstOrderCube() {
    return new DifferentiableOp("firstOrderCube") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        ctx.save(in[0]);
        return in[0].mul(in[0]).mul(in[0]);
      }

      @Override
      protected Tensor[] backward(OpContext ctx, Tensor g) {
        Tensor x = ctx.saved(0).detach();
        return new Tensor[] {g.mul(x.mul(x).mul(3.0))};
      }

      @Override
      protected boolean hasDifferentiableBackward() {
        return false;
      }
    };
  }

  @Test
  void aFirstOrderBackwardFailsNamingTheOp() {
    Tensor x = rand64(5, 4).requiresGrad(true);
    var e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Autograd.grad(firstOrderCube().apply(x).mul(x).sum(), new Tensor[] {x}, true));
    assertTrue(e.getMessage().contains("'firstOrderCube'"), e.getMessage());
    // Without createGraph the same graph differentiates once as before.
    Tensor[] g = Autograd.grad(firstOrderCube().apply(x).mul(x).sum(), new Tensor[] {x}, false);
    assertEquals(4, g[0].numel());
  }

  @Test
  void dropoutWithTheSameMask() {
    double[] x = randomDoubles(30, 13, -1.5, 1.5);
    // A fresh generator of the same seed per evaluation: the same mask at every point.
    double[] kept = FusedLayers.dropout(Tensor.of(x, 13), 0.4, new Generator(5)).toDoubleArray();
    int zeros = 0;
    for (double k : kept) {
      zeros += k == 0 ? 1 : 0;
    }
    assertTrue(zeros > 0 && zeros < 13, "the mask drops some elements and keeps some: " + zeros);
    assertSecondOrder(
        "dropout", t -> FusedLayers.dropout(t, 0.4, new Generator(5)).sin().mul(t).sum(), x);
    assertSecondOrder(
        "dropout of a product, twice",
        t -> {
          Tensor d = FusedLayers.dropout(t.reshape(13, 1), 0.3, new Generator(9));
          return FusedLayers.dropout(d.mul(t.reshape(13, 1)), 0.5, new Generator(10)).exp().sum();
        },
        x);
  }

  @Test
  void fusedCrossEntropyWithEachOption() {
    int rows = 3;
    int classes = 7;
    double[] x = randomDoubles(31, rows * classes, -2, 2);
    Tensor labels = Tensor.ofInts(new int[] {4, -100, 6}).to(device());
    Tensor otherIgnored = Tensor.ofInts(new int[] {2, 0, 5}).to(device());
    Tensor weights = rand64(32, classes).abs().add(0.3);
    Tensor probs = rand64(33, rows, classes).mul(2.0).softmax(1);
    record Case(String name, Tensor target, Tensor weight, int ignore, double e, boolean mean) {}
    Case[] cases = {
      new Case("labels, mean", otherIgnored, null, -100, 0, true),
      new Case("labels, sum", otherIgnored, null, -100, 0, false),
      new Case("labels, weights", otherIgnored, weights, -100, 0, true),
      new Case("labels, ignore index", labels, null, -100, 0, true),
      new Case("labels, ignore index 0, weights, smoothing", otherIgnored, weights, 0, 0.2, true),
      new Case("labels, weights, smoothing, ignore, sum", labels, weights, -100, 0.15, false),
      new Case("probabilities, mean", probs, null, -100, 0, true),
      new Case("probabilities, weights, smoothing", probs, weights, -100, 0.1, true),
      new Case("probabilities, weights, smoothing, sum", probs, weights, -100, 0.1, false),
    };
    for (Case c : cases) {
      UnaryOperator<Tensor> loss =
          z -> FusedLosses.crossEntropy(z, c.target(), c.weight(), c.ignore(), c.e(), c.mean());
      // The upstream gradient depends on x too (loss^2), and a second path through tanh.
      assertSecondOrder(
          "crossEntropy " + c.name(),
          t -> {
            Tensor z = t.reshape(rows, classes);
            return loss.apply(z).square().add(loss.apply(z.tanh().mul(3.0)));
          },
          x);
    }
  }

  /**
   * A 3-4-3 tanh MLP on 5 samples (parameters packed in 31) with a weighted, smoothed cross-entropy
   * ignoring one row: fused, or composed of tensor ops (log-softmax times the constant {@code w_c
   * v_rc}, over the kept rows' weight), the independent reference.
   */
  private static UnaryOperator<Tensor> mlpLoss(Tensor data, Tensor weights, boolean fused) {
    int[] lab = {0, 2, -100, 1, 2};
    double e = 0.1;
    Tensor labels = Tensor.ofInts(lab).to(data.device());
    double[] w = weights.toDoubleArray();
    double[] u = new double[15];
    double kept = 0;
    for (int r = 0; r < 5; r++) {
      if (lab[r] == -100) {
        continue;
      }
      kept += w[lab[r]];
      for (int c = 0; c < 3; c++) {
        u[r * 3 + c] = w[c] * ((c == lab[r] ? 1 - e : 0) + e / 3);
      }
    }
    Tensor target = Tensor.of(u, 5, 3).to(data.device());
    double denominator = kept;
    return p -> {
      Tensor w1 = p.narrow(0, 0, 12).reshape(3, 4);
      Tensor b1 = p.narrow(0, 12, 4);
      Tensor w2 = p.narrow(0, 16, 12).reshape(4, 3);
      Tensor b2 = p.narrow(0, 28, 3);
      Tensor h = data.matmul(w1).add(b1).tanh();
      Tensor logits = h.matmul(w2).add(b2);
      return fused
          ? FusedLosses.crossEntropy(logits, labels, weights, -100, e, true)
          : logits.logSoftmax(1).mul(target).sum().neg().div(denominator);
    };
  }

  /** Row i of the Hessian of f at p0 by reverse over reverse. */
  private static double[][] doubleBackwardHessian(UnaryOperator<Tensor> f, double[] p0) {
    int n = p0.length;
    Tensor p = Tensor.of(p0.clone(), n).requiresGrad(true);
    Tensor g = Autograd.grad(f.apply(p), new Tensor[] {p}, true)[0];
    double[][] rows = new double[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = Autograd.grad(g.narrow(0, i, 1).sum(), new Tensor[] {p}, false)[0].toDoubleArray();
    }
    return rows;
  }

  @Test
  void mlpCrossEntropyHessianByDoubleBackwardEqualsHvp() {
    Tensor data = rand64(34, 5, 3);
    Tensor weights = rand64(35, 3).abs().add(0.5);
    UnaryOperator<Tensor> fused = mlpLoss(data, weights, true);
    int n = 31;
    double[] p0 = randomDoubles(36, n, -1, 1);
    double[][] hessian = doubleBackwardHessian(fused, p0);
    double[][] composed = doubleBackwardHessian(mlpLoss(data, weights, false), p0);
    for (int i = 0; i < n; i++) {
      double[] basis = new double[n];
      basis[i] = 1;
      double[] column =
          Functional.hvp(fused, Tensor.of(p0, n), Tensor.of(basis, n)).toDoubleArray();
      for (int j = 0; j < n; j++) {
        assertEquals(
            column[j],
            hessian[i][j],
            1e-10 * Math.max(1, Math.abs(column[j])),
            "Hessian[" + i + ", " + j + "] by double backward vs hvp");
        assertEquals(
            composed[i][j],
            hessian[i][j],
            1e-10 * Math.max(1, Math.abs(composed[i][j])),
            "Hessian[" + i + ", " + j + "] fused vs composed cross-entropy");
      }
    }
  }

  @Test
  void geluAndPiecewiseLinear() {
    double[] x = randomDoubles(13, 9, 0.1, 1.8);
    for (int i = 0; i < x.length; i += 2) {
      x[i] = -x[i];
    }
    x[3] = 0.3; // inside the piecewise-linear unit's ramp
    assertSecondOrder("gelu", t -> t.map(UnaryOp.GELU).mul(t).sum(), x);
    assertSecondOrder("gelu twice", t -> t.map(UnaryOp.GELU).map(UnaryOp.GELU).exp().sum(), x);
    assertSecondOrder(
        "piecewise linear", t -> t.map(UnaryOp.PIECEWISE_LINEAR).square().mul(t).sum(), x);
    // Third order through gelu against the closed form gelu'''(x) = phi(x) (x^3 - 4x).
    Tensor xt = Tensor.of(x.clone(), 9).requiresGrad(true);
    Tensor g1 = Autograd.grad(xt.map(UnaryOp.GELU).sum(), new Tensor[] {xt}, true)[0];
    Tensor g2 = Autograd.grad(g1.sum(), new Tensor[] {xt}, true)[0];
    double[] g3 = Autograd.grad(g2.sum(), new Tensor[] {xt}, false)[0].toDoubleArray();
    for (int i = 0; i < 9; i++) {
      double v = x[i];
      double expected = Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI) * (v * v * v - 4 * v);
      assertEquals(expected, g3[i], 1e-12, "third derivative of gelu at " + v);
    }
  }

  @Test
  void layerAndBatchNormalisation() {
    double[] x = randomDoubles(14, 15, -1, 1);
    Tensor gamma = rand64(15, 5).abs().add(0.5);
    Tensor beta = rand64(16, 5);
    Tensor c = rand64(17, 3, 5);
    assertSecondOrder(
        "layer norm",
        t -> FusedLayers.layerNorm(t.reshape(3, 5), 5, 1e-5, gamma, beta).sin().mul(c).sum(),
        x);
    assertSecondOrder(
        "layer norm, gamma and beta differentiated too",
        t ->
            FusedLayers.layerNorm(
                    t.narrow(0, 0, 10).reshape(2, 5),
                    5,
                    1e-5,
                    t.narrow(0, 10, 5),
                    t.narrow(0, 5, 5))
                .tanh()
                .mul(c.narrow(0, 0, 2))
                .sum(),
        x);
    Tensor c3 = rand64(18, 5, 3);
    assertSecondOrder(
        "batch norm in training",
        t ->
            FusedLayers.batchNorm(t.reshape(5, 3), true, 0.1, 1e-5, null, null, null, null)
                .sin()
                .mul(c3)
                .sum(),
        x);
    Tensor mean = rand64(19, 3);
    Tensor var = rand64(20, 3).abs().add(0.5);
    assertSecondOrder(
        "batch norm in inference",
        t ->
            FusedLayers.batchNorm(
                    t.reshape(5, 3),
                    false,
                    0.1,
                    1e-5,
                    gamma.narrow(0, 0, 3),
                    beta.narrow(0, 0, 3),
                    mean,
                    var)
                .sin()
                .mul(c3)
                .sum(),
        x);
  }

  @Test
  void unusedInputsGetZerosAndIntermediatesTheirGradient() {
    Tensor x = rand64(6, 3).requiresGrad(true);
    Tensor y = rand64(7, 3).requiresGrad(true);
    Tensor m = x.mul(2.0);
    Tensor[] g = Autograd.grad(m.mul(m).sum(), new Tensor[] {x, m, y}, false);
    double[] xs = x.toDoubleArray();
    double[] gx = g[0].toDoubleArray();
    double[] gm = g[1].toDoubleArray();
    for (int i = 0; i < 3; i++) {
      assertEquals(8 * xs[i], gx[i], 1e-12);
      assertEquals(4 * xs[i], gm[i], 1e-12);
      assertEquals(0.0, g[2].toDoubleArray()[i]);
    }
  }
}
