package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.ForwardAD;
import io.myelin.autograd.Functional;
import io.myelin.autograd.OpContext;
import io.myelin.backend.UnaryOp;
import io.myelin.loss.FusedLosses;
import io.myelin.nn.FusedLayers;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Forward mode (issue 16): for every differentiable op, the jvp {@code J v} against reverse mode (J
 * assembled row by row from vjps of basis vectors) and against central differences {@code (f(x + h
 * v) - f(x - h v)) / 2h}, in float64 on seeded random inputs, tolerances 1e-10 and 1e-6 (relative
 * to max(1, |value|)); the course's forward-mode tables; ops without a rule failing by name.
 */
public abstract class ForwardModeConformanceTest extends DeviceTestBase {
  private static final double H = 1e-6;
  private static final double TOL_REVERSE = 1e-10;
  private static final double TOL_NUMERIC = 1e-6;

  /** Checks jvp(f, inputs, v) for random v against reverse mode and central differences. */
  static void checkJvp(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
    Tensor[] v = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      v[i] =
          Tensor.of(
                  randomDoubles(what.hashCode() * 31L + i, inputs[i].numel(), -1, 1),
                  inputs[i].shape())
              .to(inputs[i].device());
    }
    Functional.Jvp r = Functional.jvp(f, inputs, v);
    double[] jvp = r.tangent().toDoubleArray();
    assertEquals(r.output().numel(), jvp.length, what + ": tangent size");
    // Reverse: sum_i J_i v_i with J_i from one vjp per output element.
    double[] reverse = new double[jvp.length];
    for (int i = 0; i < inputs.length; i++) {
      final int k = i;
      Tensor jac =
          Functional.jacrev(
              x -> {
                Tensor[] in = inputs.clone();
                in[k] = x;
                return f.apply(in);
              },
              inputs[i]);
      double[] jv =
          jac.reshape(jvp.length, inputs[i].numel()).matmul(v[i].reshape(-1)).toDoubleArray();
      for (int j = 0; j < jv.length; j++) {
        reverse[j] += jv[j];
      }
    }
    assertClose(reverse, jvp, TOL_REVERSE, what + ": jvp vs reverse-mode J v");
    // Central differences along v.
    Tensor[] plus = new Tensor[inputs.length];
    Tensor[] minus = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      plus[i] = inputs[i].add(v[i].mul(H));
      minus[i] = inputs[i].sub(v[i].mul(H));
    }
    double[] fp = f.apply(plus).toDoubleArray();
    double[] fm = f.apply(minus).toDoubleArray();
    double[] numeric = new double[fp.length];
    for (int j = 0; j < fp.length; j++) {
      numeric[j] = (fp[j] - fm[j]) / (2 * H);
    }
    assertClose(numeric, jvp, TOL_NUMERIC, what + ": jvp vs central differences");
  }

  private static Tensor away(long seed, int... shape) {
    // Values in [0.3, 1) with random signs: away from the kinks at 0 of relu, abs...
    Tensor m = rand64(seed, shape);
    return m.sign().mul(m.abs().mul(0.7).add(0.3));
  }

  private static Tensor positive(long seed, int... shape) {
    return rand64(seed, shape).abs().add(0.5);
  }

  @Test
  void unaryOps() {
    Tensor x = away(1, 3, 5);
    Tensor p = positive(2, 3, 5);
    for (UnaryOp op : UnaryOp.values()) {
      Tensor in =
          switch (op) {
            case LOG, SQRT, RECIPROCAL, POW_SCALAR -> p;
            default -> x;
          };
      double a =
          switch (op) {
            case LEAKY_RELU -> 0.1;
            case ELU -> 1.3;
            case CLAMP -> -0.6;
            case ADD_SCALAR, MUL_SCALAR -> 1.7;
            case POW_SCALAR -> 2.5;
            default -> 0;
          };
      double b = op == UnaryOp.CLAMP ? 0.55 : 0;
      checkJvp(op.kernelName(), t -> t[0].map(op, a, b), in);
    }
  }

  @Test
  void binaryOpsWithBroadcasting() {
    Tensor x = positive(3, 3, 4);
    Tensor y = positive(4, 4).add(0.1);
    checkJvp("add", t -> t[0].add(t[1]), x, y);
    checkJvp("sub", t -> t[0].sub(t[1]), x, y);
    checkJvp("mul", t -> t[0].mul(t[1]), x, y);
    checkJvp("div", t -> t[0].div(t[1]), x, y);
    checkJvp("pow", t -> t[0].pow(t[1]), x, y);
    checkJvp("maximum", t -> t[0].maximum(t[1]), x, y);
    checkJvp("minimum", t -> t[1].minimum(t[0]), x, y);
    checkJvp("where", t -> Tensor.where(t[0].gt(1.0), t[0].mul(t[1]), t[1]), x, y);
  }

  @Test
  void matmulForms() {
    checkJvp("matmul 2-D", t -> t[0].matmul(t[1]), rand64(5, 3, 4), rand64(6, 4, 2));
    checkJvp("matmul transposed", t -> t[0].matmul(t[1].t()), rand64(7, 3, 4), rand64(8, 5, 4));
    checkJvp("matmul batched", t -> t[0].matmul(t[1]), rand64(9, 2, 3, 4), rand64(10, 4, 2));
    checkJvp("matmul vector", t -> t[0].matmul(t[1]), rand64(11, 4), rand64(12, 4, 3));
    checkJvp("dot", t -> t[0].matmul(t[1]), rand64(13, 4), rand64(14, 4));
  }

  @Test
  void reductions() {
    Tensor x = rand64(15, 3, 4, 2);
    checkJvp("sum", t -> t[0].sum(), x);
    checkJvp("sum dims", t -> t[0].sum(new int[] {0, 2}, true), x);
    checkJvp("mean", t -> t[0].mean(1, false), x);
    checkJvp("max", t -> t[0].max(), x);
    checkJvp("max dim", t -> t[0].max(1, true), x);
    checkJvp("min dim", t -> t[0].min(2, false), x);
    checkJvp("var", t -> t[0].var(new int[] {1}, false, 1), x);
  }

  @Test
  void viewsAndCopies() {
    Tensor x = rand64(16, 2, 3, 4);
    checkJvp("reshape", t -> t[0].reshape(6, 4), x);
    checkJvp("transpose", t -> t[0].transpose(0, 2), x);
    checkJvp("transpose same dim", t -> t[0].transpose(1, 1), x);
    checkJvp("permute", t -> t[0].permute(2, 0, 1), x);
    checkJvp("narrow", t -> t[0].narrow(2, 1, 2), x);
    checkJvp("select", t -> t[0].select(1, 2), x);
    checkJvp("squeeze/unsqueeze", t -> t[0].unsqueeze(1).squeeze(1).squeeze(), x);
    checkJvp("expand", t -> t[0].narrow(0, 0, 1).expand(3, 3, 4), x);
    checkJvp("flatten", t -> t[0].flatten(1, 2), x);
    checkJvp("contiguous copy", t -> t[0].transpose(0, 1).contiguous(), x);
    checkJvp("reshape of a non-contiguous view", t -> t[0].transpose(0, 2).reshape(-1), x);
    checkJvp("concat", t -> Tensor.concat(1, t[0], t[1]), x, rand64(17, 2, 1, 4));
    checkJvp("stack", t -> Tensor.stack(0, t[0], t[1]), x, rand64(18, 2, 3, 4));
    checkJvp("to same device", t -> t[0].to(t[0].device()).mul(t[0]), x);
  }

  @Test
  void softmaxAndLogSoftmax() {
    Tensor x = rand64(19, 3, 5);
    checkJvp("softmax last", t -> t[0].softmax(1), x);
    checkJvp("softmax first", t -> t[0].softmax(0), x);
    checkJvp("logSoftmax last", t -> t[0].logSoftmax(-1), x);
    checkJvp("logSoftmax first", t -> t[0].logSoftmax(0), x);
  }

  @Test
  void fusedCrossEntropy() {
    Tensor logits = rand64(20, 5, 4).mul(2.0);
    Tensor labels = Tensor.ofInts(new int[] {0, 3, 1, 2, 3}).to(logits.device());
    Tensor weights = positive(21, 4);
    Tensor probs = rand64(22, 5, 4).softmax(1);
    checkJvp(
        "crossEntropy", t -> FusedLosses.crossEntropy(t[0], labels, null, -100, 0, true), logits);
    checkJvp(
        "crossEntropy smoothed, weighted, ignore",
        t -> FusedLosses.crossEntropy(t[0], labels, weights, 1, 0.2, true),
        logits);
    checkJvp(
        "crossEntropy sum",
        t -> FusedLosses.crossEntropy(t[0], labels, null, -100, 0.1, false),
        logits);
    checkJvp(
        "crossEntropy probabilities",
        t -> FusedLosses.crossEntropy(t[0], probs, weights, -100, 0.1, true),
        logits);
  }

  /** Cross-entropy composed of tensor ops (the backend's formula), for the tangent checks. */
  private static Tensor composedCrossEntropy(
      Tensor x, Tensor target, int[] labels, Tensor w, int ignore, double e, boolean mean) {
    int rows = x.size(0);
    int classes = x.size(1);
    Tensor v;
    Tensor denominator;
    if (labels == null) {
      v = target.mul(1 - e).add(e / classes);
      denominator = null;
    } else {
      double[] oneHot = new double[rows * classes];
      double[] kept = new double[rows * classes];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < classes; c++) {
          boolean valid = labels[r] != ignore;
          oneHot[r * classes + c] = valid && labels[r] == c ? 1 : 0;
          kept[r * classes + c] = valid ? 1 : 0;
        }
      }
      Tensor hot = Tensor.of(oneHot, rows, classes).to(x.device());
      v = hot.mul(1 - e).add(Tensor.of(kept, rows, classes).to(x.device()).mul(e / classes));
      denominator = hot.mul(w.reshape(1, classes)).sum();
    }
    Tensor s = v.mul(w.reshape(1, classes)).mul(x.logSoftmax(1)).sum().neg();
    if (!mean) {
      return s;
    }
    return denominator == null ? s.div(rows) : s.div(denominator);
  }

  @Test
  void crossEntropyTangentsOfTargetsAndWeights() {
    Tensor logits = rand64(50, 5, 4).mul(2.0);
    int[] labelValues = {0, 3, 1, 2, 3};
    Tensor labels = Tensor.ofInts(labelValues).to(logits.device());
    Tensor weights = positive(51, 4);
    Tensor probs = rand64(52, 5, 4).softmax(1);
    Tensor[] v = {rand64(53, 5, 4), rand64(54, 5, 4), rand64(55, 4)};
    for (boolean mean : new boolean[] {true, false}) {
      for (boolean probabilities : new boolean[] {true, false}) {
        String what =
            "crossEntropy " + (probabilities ? "probabilities" : "labels") + " mean " + mean;
        Function<Tensor[], Tensor> fused =
            t -> FusedLosses.crossEntropy(t[0], probabilities ? t[1] : labels, t[2], 1, 0.2, mean);
        Function<Tensor[], Tensor> composed =
            t ->
                composedCrossEntropy(
                    t[0], t[1], probabilities ? null : labelValues, t[2], 1, 0.2, mean);
        Tensor[] at = {logits, probs, weights};
        Tensor[] tangents = {v[0], probabilities ? v[1] : null, v[2]};
        double got = Functional.jvp(fused, at, tangents).tangent().item();
        double expected = Functional.jvp(composed, at, tangents).tangent().item();
        assertEquals(expected, got, 1e-10 * Math.max(1, Math.abs(expected)), what + " vs composed");
        Tensor[] plus = new Tensor[3];
        Tensor[] minus = new Tensor[3];
        for (int i = 0; i < 3; i++) {
          plus[i] = tangents[i] == null ? at[i] : at[i].add(tangents[i].mul(H));
          minus[i] = tangents[i] == null ? at[i] : at[i].sub(tangents[i].mul(H));
        }
        double numeric = (fused.apply(plus).item() - fused.apply(minus).item()) / (2 * H);
        assertEquals(
            numeric, got, TOL_NUMERIC * Math.max(1, Math.abs(numeric)), what + " vs differences");
      }
    }
    // Forward over reverse takes tangents of the logits only: others are refused by name.
    try (var level = ForwardAD.dualLevel()) {
      Tensor x = logits.detach().requiresGrad(true);
      Tensor loss =
          FusedLosses.crossEntropy(x, labels, ForwardAD.makeDual(weights, v[2]), -100, 0, true);
      var e =
          assertThrows(
              UnsupportedOperationException.class,
              () -> Autograd.grad(loss, new Tensor[] {x}, false));
      assertTrue(e.getMessage().contains("'crossEntropy'"), e.getMessage());
    }
  }

  @Test
  void fusedNormalisationAndDropout() {
    Tensor x = rand64(23, 4, 3, 2);
    Tensor gamma = positive(24, 3);
    Tensor beta = rand64(25, 3);
    Tensor lnGamma = positive(26, 6);
    Tensor lnBeta = rand64(27, 6);
    checkJvp(
        "layerNorm", t -> FusedLayers.layerNorm(t[0], 6, 1e-5, t[1], t[2]), x, lnGamma, lnBeta);
    checkJvp("layerNorm plain", t -> FusedLayers.layerNorm(t[0], 2, 1e-5, null, null), x);
    checkJvp(
        "batchNorm training",
        t -> FusedLayers.batchNorm(t[0], true, 0.1, 1e-5, t[1], t[2], null, null),
        x,
        gamma,
        beta);
    Tensor runningMean = rand64(28, 3);
    Tensor runningVar = positive(29, 3);
    checkJvp(
        "batchNorm eval",
        t -> FusedLayers.batchNorm(t[0], false, 0.1, 1e-5, t[1], t[2], runningMean, runningVar),
        x,
        gamma,
        beta);
    checkJvp("dropout", t -> FusedLayers.dropout(t[0], 0.4, new Generator(31)), x);
  }

  @Test
  void dropoutTangentUsesThePrimalsMask() {
    Tensor x = rand64(32, 50);
    Functional.Jvp r =
        Functional.jvp(
            t -> FusedLayers.dropout(t[0], 0.5, new Generator(3)),
            new Tensor[] {x},
            new Tensor[] {Tensor.onesLike(x)});
    double[] y = r.output().toDoubleArray();
    double[] t = r.tangent().toDoubleArray();
    double[] xs = x.toDoubleArray();
    int kept = 0;
    for (int i = 0; i < y.length; i++) {
      boolean keep = y[i] != 0;
      kept += keep ? 1 : 0;
      assertEquals(keep ? 2.0 : 0.0, t[i], 0, "tangent " + i);
      assertEquals(keep ? 2 * xs[i] : 0, y[i], 1e-15);
    }
    assertTrue(kept > 10 && kept < 40, "mask of 50 with p = 0.5 kept " + kept);
  }

  @Test
  void courseTableForwardAndBackward() {
    // J = cos(sin(x^2) + 3x^2). Forward-mode table: each intermediate with d/dx; reverse-mode
    // table: each intermediate with dJ/d(intermediate); all against the closed forms.
    for (double x0 : new double[] {0.5, -1.25, 2.0}) {
      double v1 = x0 * x0;
      double v2 = Math.sin(v1);
      double v3 = 3 * v1;
      double v4 = v2 + v3;
      double v5 = Math.cos(v4);
      double d1 = 2 * x0;
      double d2 = Math.cos(v1) * d1;
      double d3 = 3 * d1;
      double d4 = d2 + d3;
      double d5 = -Math.sin(v4) * d4;
      Tensor[] vs;
      try (var level = ForwardAD.dualLevel()) {
        Tensor x = ForwardAD.makeDual(Tensor.of(new double[] {x0}), Tensor.of(new double[] {1}));
        Tensor x1 = x.square();
        Tensor x2 = x1.sin();
        Tensor x3 = x1.mul(3.0);
        Tensor x4 = x2.add(x3);
        Tensor x5 = x4.cos();
        vs = new Tensor[] {x1, x2, x3, x4, x5};
        double[] values = {v1, v2, v3, v4, v5};
        double[] tangents = {d1, d2, d3, d4, d5};
        for (int i = 0; i < 5; i++) {
          ForwardAD.Dual d = ForwardAD.unpackDual(vs[i]);
          assertEquals(
              values[i],
              d.primal().item(),
              1e-15 * Math.max(1, Math.abs(values[i])),
              "v" + (i + 1) + " at x = " + x0);
          assertEquals(
              tangents[i],
              d.tangent().item(),
              1e-13 * Math.max(1, Math.abs(tangents[i])),
              "dv" + (i + 1) + "/dx at x = " + x0);
        }
      }
      assertNull(ForwardAD.tangentOf(vs[4]), "tangents are dropped with their level");
      // Reverse: adjoints of x, x1..x4.
      Tensor x = Tensor.of(new double[] {x0}).requiresGrad(true);
      Tensor x1 = x.square();
      Tensor x2 = x1.sin();
      Tensor x3 = x1.mul(3.0);
      Tensor x4 = x2.add(x3);
      Tensor x5 = x4.cos();
      Tensor[] adj = Autograd.grad(x5.sum(), new Tensor[] {x, x1, x2, x3, x4}, false);
      double a4 = -Math.sin(v4);
      double a1 = a4 * (Math.cos(v1) + 3);
      double[] expected = {a1 * 2 * x0, a1, a4, a4, a4};
      for (int i = 0; i < 5; i++) {
        assertEquals(
            expected[i],
            adj[i].item(),
            1e-13 * Math.max(1, Math.abs(expected[i])),
            "adjoint " + i + " at x = " + x0);
      }
      assertEquals(d5, adj[0].item(), 1e-13 * Math.max(1, Math.abs(d5)), "both modes agree");
    }
  }

  @Test
  void courseLogisticRegressionTableForward() {
    // W^T X = 9 with X = 3 (W = 3), y = 1; forward mode seeded with dW = 1.
    try (var level = ForwardAD.dualLevel()) {
      Tensor w = ForwardAD.makeDual(Tensor.of(new double[] {3}), Tensor.of(new double[] {1}));
      Tensor x = Tensor.of(new double[] {3});
      Tensor z = w.mul(x);
      Tensor p = z.sigmoid();
      Tensor loss = p.log().neg();
      double pp = 1 / (1 + Math.exp(-9));
      assertEquals(9.0, z.item(), 0);
      assertEquals(3.0, ForwardAD.tangentOf(z).item(), 0, "dz/dW = X");
      assertEquals(pp, p.item(), 1e-15);
      assertEquals(3 * pp * (1 - pp), ForwardAD.tangentOf(p).item(), 1e-18, "dp/dW = X p (1-p)");
      assertEquals(Math.log1p(Math.exp(-9)), loss.item(), 1e-15);
      double dLdW = ForwardAD.tangentOf(loss).item();
      // 1 - p cancels (p is 0.99988): about 1e-12 relative is what float64 can give here.
      assertEquals(-3 * Math.exp(-9) / (1 + Math.exp(-9)), dLdW, 1e-15);
      assertEquals(-3.7018e-4, dLdW, 5e-9); // the table's 0.00037018372 in magnitude
    }
  }

  /** y = x^3 with a tensor-op backward; the tangent rule only when {@code withRule}. */
  private static DifferentiableOp cube(boolean withRule) {
    return new DifferentiableOp("cube") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        ctx.save(in[0]);
        return in[0].mul(in[0]).mul(in[0]);
      }

      @Override
      protected Tensor[] backward(OpContext ctx, Tensor g) {
        Tensor x = ctx.saved(0);
        return new Tensor[] {g.mul(x.mul(x).mul(3.0))};
      }

      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        if (!withRule) {
          return super.tangent(ctx, t);
        }
        Tensor x = ctx.saved(0);
        return t[0].mul(x.mul(x).mul(3.0));
      }
    };
  }

  /** The cube with a tangent rule and a first-order backward (declared so), no rule for it. */
  private static DifferentiableOp firstOrderCube() {
    DifferentiableOp withRule = cube(true);
    return new DifferentiableOp("cube") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        ctx.save(in[0]);
        return in[0].mul(in[0]).mul(in[0]);
      }

      @Override
      protected Tensor[] backward(OpContext ctx, Tensor g) {
        Tensor x = ctx.saved(0);
        return new Tensor[] {g.mul(x.mul(x).mul(3.0))};
      }

      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        return t[0].mul(ctx.saved(0).square().mul(3.0));
      }

      @Override
      protected boolean hasDifferentiableBackward() {
        return false;
      }
    };
  }

  @Test
  void opsWithoutARuleFailByName() {
    Tensor x = rand64(40, 3);
    var e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Functional.jvp(t -> cube(false).apply(t[0]), new Tensor[] {x}, new Tensor[] {x}));
    assertTrue(e.getMessage().contains("'cube'"), e.getMessage());
    checkJvp("user op with a rule", t -> cube(true).apply(t[0]), x);
    // Its backward is tensor ops, so forward over reverse works: H = 6x on the diagonal.
    Tensor hv = Functional.hvp(t -> cube(true).apply(t).sum(), x, Tensor.onesLike(x));
    assertClose(x.mul(6.0).toDoubleArray(), hv.toDoubleArray(), 1e-14, "cube hvp");
    // A first-order backward without a rule for its tangent fails naming the op.
    var first =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Functional.hvp(t -> firstOrderCube().apply(t).sum(), x, x));
    assertTrue(first.getMessage().contains("'cube'"), first.getMessage());
    // indexSelectRows is not differentiable at all.
    assertThrows(
        UnsupportedOperationException.class,
        () ->
            Functional.jvp(
                t -> t[0].indexSelectRows(Tensor.ofInts(new int[] {0}).to(x.device())),
                new Tensor[] {x},
                new Tensor[] {x}));
  }

  @Test
  void levelsNestAndDualsNeedALevel() {
    assertThrows(
        IllegalStateException.class,
        () -> ForwardAD.makeDual(Tensor.zeros(DType.FLOAT64, 2), Tensor.zeros(DType.FLOAT64, 2)));
    try (var level = ForwardAD.dualLevel()) {
      assertThrows(
          IllegalArgumentException.class,
          () -> ForwardAD.makeDual(Tensor.zeros(DType.FLOAT64, 2), Tensor.zeros(DType.FLOAT64, 3)));
      var inner = ForwardAD.dualLevel();
      Tensor x = ForwardAD.makeDual(Tensor.zeros(DType.FLOAT64, 2), Tensor.ones(DType.FLOAT64, 2));
      assertEquals(2.0, ForwardAD.tangentOf(x).sum().item());
      inner.close();
      assertNull(ForwardAD.tangentOf(x), "the inner level's tangent is gone with it");
      assertTrue(ForwardAD.isLevelLive());
      ForwardAD.dualLevel(); // left open: closing the outer level closes it too
    }
    assertTrue(!ForwardAD.isLevelLive());
  }

  @Test
  void nestedLevelsGiveHigherDerivatives() {
    Tensor x = rand64(60, 7);
    Tensor u = rand64(61, 7);
    Tensor v = rand64(62, 7);
    double[] xs = x.toDoubleArray();
    double[] us = u.toDoubleArray();
    double[] vs = v.toDoubleArray();
    // sin along u then v: the outer tangent of the inner tangent is -sin(x) u v.
    try (var outer = ForwardAD.dualLevel()) {
      Tensor x1 = ForwardAD.makeDual(x, u);
      Tensor t;
      try (var inner = ForwardAD.dualLevel()) {
        t = ForwardAD.tangentOf(ForwardAD.makeDual(x1, v).sin());
      }
      double[] first = t.toDoubleArray();
      double[] second = ForwardAD.tangentOf(t).toDoubleArray();
      for (int i = 0; i < 7; i++) {
        assertEquals(Math.cos(xs[i]) * vs[i], first[i], 1e-15);
        assertEquals(-Math.sin(xs[i]) * us[i] * vs[i], second[i], 1e-15);
      }
    }
    // Third order by three nested jvps: -cos(x) v^3.
    Function<Tensor[], Tensor> sinJvp =
        in -> Functional.jvp(a -> a[0].sin(), in, new Tensor[] {v}).tangent();
    Function<Tensor[], Tensor> sinJvp2 =
        in -> Functional.jvp(sinJvp, in, new Tensor[] {v}).tangent();
    double[] third =
        Functional.jvp(sinJvp2, new Tensor[] {x}, new Tensor[] {v}).tangent().toDoubleArray();
    for (int i = 0; i < 7; i++) {
      assertEquals(-Math.cos(xs[i]) * vs[i] * vs[i] * vs[i], third[i], 1e-15);
    }
  }

  /** A scalar of 21 parameters through matmul, broadcasting, views and element-wise ops. */
  private static Tensor nestedTestFunction(Tensor p) {
    Tensor data = Tensor.of(randomDoubles(63, 15, -1, 1), 5, 3).to(p.device());
    Tensor w1 = p.narrow(0, 0, 12).reshape(3, 4);
    Tensor b1 = p.narrow(0, 12, 4);
    Tensor w2 = p.narrow(0, 16, 4).reshape(4, 1);
    Tensor h = data.matmul(w1).add(b1).tanh();
    Tensor g = h.sigmoid().mul(h.exp()).div(h.square().add(1.0)).relu();
    Tensor z = g.matmul(w2).add(p.narrow(0, 20, 1)).reshape(5);
    Tensor s = h.transpose(0, 1).softmax(1).mul(h.transpose(0, 1).logSoftmax(0)).mean();
    return z.square().sum().add(s).add(p.pow(3.0).sum()).add(z.max().mul(z.mean(0, false)));
  }

  @Test
  void jvpOfJvpMatchesTheHessian() {
    double[] p0 = randomDoubles(64, 21, -1, 1);
    Tensor p = Tensor.of(p0, 21);
    Tensor u = rand64(65, 21);
    Tensor v = rand64(66, 21);
    // u^T H v by forward over forward, against forward over reverse (hvp).
    Function<Tensor[], Tensor> directional =
        in -> Functional.jvp(a -> nestedTestFunction(a[0]), in, new Tensor[] {v}).tangent();
    double got = Functional.jvp(directional, new Tensor[] {p}, new Tensor[] {u}).tangent().item();
    double expected =
        Functional.hvp(ForwardModeConformanceTest::nestedTestFunction, p, v).mul(u).sum().item();
    assertEquals(expected, got, 1e-10 * Math.max(1, Math.abs(expected)), "u^T H v");
    // v^T H v against second central differences of the function.
    double vv = Functional.jvp(directional, new Tensor[] {p}, new Tensor[] {v}).tangent().item();
    double h = 1e-4;
    double numeric =
        (nestedTestFunction(p.add(v.mul(h))).item()
                - 2 * nestedTestFunction(p).item()
                + nestedTestFunction(p.sub(v.mul(h))).item())
            / (h * h);
    assertEquals(numeric, vv, 1e-6 * Math.max(1, Math.abs(numeric)), "v^T H v vs differences");
  }

  @Test
  void nestedLevelsThroughAnOpWithoutANestableRuleFailByName() {
    Tensor x = rand64(67, 2, 3);
    Tensor v = rand64(68, 2, 3);
    Function<Tensor[], Tensor> lnJvp =
        in ->
            Functional.jvp(
                    a -> FusedLayers.layerNorm(a[0], 3, 1e-5, null, null), in, new Tensor[] {v})
                .tangent();
    var e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Functional.jvp(lnJvp, new Tensor[] {x}, new Tensor[] {v}));
    assertTrue(e.getMessage().contains("'layerNorm'"), e.getMessage());
    // An op with no rule at all refuses a tangent of an outer level too.
    try (var outer = ForwardAD.dualLevel()) {
      Tensor dual = ForwardAD.makeDual(x, v);
      try (var inner = ForwardAD.dualLevel()) {
        assertThrows(
            UnsupportedOperationException.class,
            () -> dual.indexSelectRows(Tensor.ofInts(new int[] {1}).to(x.device())));
      }
    }
    // One level at a time through it is fine inside nested levels.
    try (var outer = ForwardAD.dualLevel();
        var inner = ForwardAD.dualLevel()) {
      Tensor y = FusedLayers.layerNorm(ForwardAD.makeDual(x, v), 3, 1e-5, null, null);
      Tensor expected =
          Functional.jvp(
                  a -> FusedLayers.layerNorm(a[0], 3, 1e-5, null, null),
                  new Tensor[] {x},
                  new Tensor[] {v})
              .tangent();
      assertClose(
          expected.toDoubleArray(),
          ForwardAD.tangentOf(y).toDoubleArray(),
          1e-14,
          "layer norm in the inner level alone");
    }
  }
}
