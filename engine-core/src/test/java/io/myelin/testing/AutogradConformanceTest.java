package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.GradCheck;
import io.myelin.autograd.OpContext;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.UnaryOp;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every differentiable op's backward against float64 central differences ({@link GradCheck},
 * tolerance 1e-6), plus the tape's contract: accumulation, noGrad, detach, deep graphs.
 */
public abstract class AutogradConformanceTest extends DeviceTestBase {

  private static void assertGrad(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
    GradCheck.Result r = GradCheck.check(f, inputs);
    assertTrue(r.passed(), what + ": " + r);
    assertTrue(r.elements() > 0, what + ": nothing compared");
  }

  /** Inputs kept away from each op's kinks so the central difference is valid. */
  private static Tensor inputFor(UnaryOp op, long seed, int... shape) {
    double[] v = randomDoubles(seed, Ref.numel(shape), -2, 2);
    for (int i = 0; i < v.length; i++) {
      switch (op) {
        case LOG, SQRT, RECIPROCAL, POW_SCALAR -> v[i] = 0.3 + Math.abs(v[i]);
        case CLAMP, PIECEWISE_LINEAR -> {
          // stay 0.05 away from the corners at -0.5/0.5 and -0.7/0.9
          double x = v[i];
          for (double corner : new double[] {-0.7, -0.5, 0.5, 0.9}) {
            if (Math.abs(x - corner) < 0.05) {
              x = corner + 0.1;
            }
          }
          v[i] = x;
        }
        default -> {
          if (Math.abs(v[i]) < 0.05) {
            v[i] += 0.1; // away from the kink at 0 (relu, abs, leaky relu, elu)
          }
        }
      }
    }
    return Tensor.of(v, shape);
  }

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void everyUnaryOpPassesGradCheck(UnaryOp op) {
    double a =
        switch (op) {
          case CLAMP -> -0.7;
          case POW_SCALAR -> 2.5;
          case LEAKY_RELU -> 0.01;
          case ELU -> 1.3;
          default -> 0.37;
        };
    double b = op == UnaryOp.CLAMP ? 0.9 : 0;
    assertGrad(op.name(), in -> in[0].map(op, a, b), inputFor(op, op.ordinal() + 1, 3, 7));
  }

  @Test
  void stepAndSignHaveZeroGradient() {
    for (UnaryOp op : new UnaryOp[] {UnaryOp.STEP, UnaryOp.SIGN}) {
      Tensor x = rand64(3, 5).requiresGrad(true);
      x.map(op).sum().backward();
      assertArrayEquals(new double[5], x.grad().toDoubleArray(), op.name());
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = BinaryOp.class,
      names = {"ADD", "SUB", "MUL", "DIV", "POW", "MAXIMUM", "MINIMUM"})
  void binaryOpsPassGradCheckWithBroadcasting(BinaryOp op) {
    Tensor a = op == BinaryOp.POW ? rand64(5, 4, 1, 3).abs().add(0.5) : rand64(5, 4, 1, 3);
    Tensor b = op == BinaryOp.DIV ? rand64(6, 2, 3).abs().add(0.5) : rand64(6, 2, 3);
    assertGrad(op.name(), in -> in[0].apply(op, in[1]), a, b);
    assertGrad(
        op.name() + " same shape",
        in -> in[0].apply(op, in[1]),
        a.expand(4, 2, 3).copy(),
        b.expand(4, 2, 3).copy());
  }

  @Test
  void matmulGradients() {
    assertGrad("2-D", in -> in[0].matmul(in[1]), rand64(1, 5, 3), rand64(2, 3, 4));
    assertGrad(
        "transposed views", in -> in[0].t().matmul(in[1].t()), rand64(3, 3, 5), rand64(4, 4, 3));
    assertGrad(
        "batched broadcast", in -> in[0].matmul(in[1]), rand64(5, 2, 1, 3, 4), rand64(6, 3, 4, 2));
    assertGrad("vector", in -> in[0].matmul(in[1]), rand64(7, 3, 4), rand64(8, 4));
    assertGrad("dot", in -> in[0].matmul(in[1]), rand64(9, 6), rand64(10, 6));
  }

  @Test
  void reductionGradients() {
    Tensor x = rand64(11, 3, 4, 5);
    assertGrad("sum all", in -> in[0].sum(), x);
    assertGrad("sum dims", in -> in[0].sum(new int[] {0, 2}, false), x);
    assertGrad("mean keepdim", in -> in[0].mean(1, true), x);
    assertGrad("max dim", in -> in[0].max(2, false), x);
    assertGrad("min dim", in -> in[0].min(0, true), x);
    assertGrad("max all", in -> in[0].max(), x);
    assertGrad("var", in -> in[0].var(new int[] {1}, false, 1), x);
  }

  @Test
  void softmaxGradients() {
    Tensor x = rand64(12, 4, 7).mul(3.0);
    assertGrad("softmax", in -> in[0].softmax(1), x);
    assertGrad("logSoftmax", in -> in[0].logSoftmax(-1), x);
    assertGrad("softmax dim 0", in -> in[0].softmax(0), x);
  }

  @Test
  void viewAndCopyGradients() {
    Tensor x = rand64(13, 2, 3, 4);
    assertGrad("reshape", in -> in[0].reshape(4, 6).mul(in[0].reshape(4, 6)), x);
    assertGrad("permute", in -> in[0].permute(2, 0, 1).exp(), x);
    assertGrad("narrow", in -> in[0].narrow(2, 1, 2).square(), x);
    assertGrad("select", in -> in[0].select(1, 2).sin(), x);
    assertGrad("expand", in -> in[0].narrow(0, 0, 1).expand(5, 3, 4).tanh(), x);
    assertGrad("squeeze/unsqueeze", in -> in[0].unsqueeze(1).squeeze(1).cos(), x);
    assertGrad("concat", in -> Tensor.concat(1, in[0], in[1].square()), x, rand64(14, 2, 2, 4));
    assertGrad("stack", in -> Tensor.stack(0, in[0], in[1]).sigmoid(), x, rand64(15, 2, 3, 4));
    assertGrad("where", in -> Tensor.where(in[0].gt(0.0), in[0].exp(), in[1]), x, rand64(16, 3, 4));
    assertGrad("copy", in -> in[0].copy().transpose(0, 2).contiguous().mul(2.0), x);
  }

  @Test
  void castsPassTheGradientThrough() {
    // Not a central-difference check: the float32 rounding inside would swamp the difference.
    Tensor x = rand64(27, 5).requiresGrad(true);
    Tensor w = rand64(28, 5);
    x.to(DType.FLOAT32).to(DType.FLOAT64).mul(w).sum().backward();
    // The gradient passes the float32 step too, so it arrives rounded to float32.
    double[] expected = w.toDoubleArray();
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (float) expected[i];
    }
    assertArrayEquals(expected, x.grad().toDoubleArray());
  }

  @Test
  void compositeExpressionLikeAnMlp() {
    assertGrad(
        "mlp",
        in -> in[0].matmul(in[1]).add(in[2]).relu().matmul(in[3]).logSoftmax(1),
        rand64(17, 6, 5),
        rand64(18, 5, 8),
        rand64(19, 8),
        rand64(20, 8, 3));
  }

  @Test
  void gradientsAccumulateAcrossBackwardCalls() {
    Tensor w = rand64(21, 3).requiresGrad(true);
    w.mul(2.0).sum().backward();
    w.mul(3.0).sum().backward();
    assertArrayEquals(new double[] {5, 5, 5}, w.grad().toDoubleArray());
    w.zeroGrad();
    assertNull(w.grad());
  }

  /**
   * Two inputs, output {@code a * 2 + b * 3}; the backward's gradients are kept in {@link
   * #returned} so a test can see which memory a leaf's gradient ended up in. {@code same}: one
   * tensor for both inputs (as an addition's backward hands on its gradient), {@code passOn}: the
   * incoming gradient itself for the first input.
   */
  private static final class Probe extends DifferentiableOp {
    final boolean same;
    final boolean passOn;
    Tensor[] returned;

    Probe(boolean same, boolean passOn) {
      super("probe");
      this.same = same;
      this.passOn = passOn;
    }

    @Override
    protected Tensor forward(OpContext ctx, Tensor... in) {
      return in[0].mul(2.0).add(in[1].mul(3.0));
    }

    @Override
    protected Tensor[] backward(OpContext ctx, Tensor g) {
      Tensor ga = passOn ? g : g.mul(2.0);
      returned = new Tensor[] {ga, same ? ga : g.mul(3.0)};
      return returned.clone();
    }
  }

  @Test
  void aLeafKeepsAnUnsharedFreshGradientWithoutACopy() {
    Tensor a = rand64(31, 5).requiresGrad(true);
    Tensor b = rand64(32, 5).requiresGrad(true);
    Probe p = new Probe(false, false);
    p.apply(a, b).sum().backward();
    assertSame(p.returned[0].storage(), a.grad().storage());
    assertSame(p.returned[1].storage(), b.grad().storage());
    assertArrayEquals(new double[] {2, 2, 2, 2, 2}, a.grad().toDoubleArray());
    assertArrayEquals(new double[] {3, 3, 3, 3, 3}, b.grad().toDoubleArray());
    // A later backward adds into the kept memory, as into a copy.
    p.apply(a, b).sum().backward();
    assertArrayEquals(new double[] {4, 4, 4, 4, 4}, a.grad().toDoubleArray());
    assertArrayEquals(new double[] {6, 6, 6, 6, 6}, b.grad().toDoubleArray());
  }

  @Test
  void aGradientHandedToTwoInputsIsCopiedForEach() {
    Tensor a = rand64(33, 4).requiresGrad(true);
    Tensor b = rand64(34, 4).requiresGrad(true);
    Probe p = new Probe(true, false);
    p.apply(a, b).sum().backward();
    assertNotSame(a.grad().storage(), b.grad().storage());
    assertNotSame(p.returned[0].storage(), a.grad().storage());
    // Accumulating into a's gradient leaves b's alone.
    a.mul(5.0).sum().backward();
    assertArrayEquals(new double[] {7, 7, 7, 7}, a.grad().toDoubleArray());
    assertArrayEquals(new double[] {2, 2, 2, 2}, b.grad().toDoubleArray());
    // The same through the library's own addition, whose backward hands one tensor to both.
    Tensor c = rand64(35, 4).requiresGrad(true);
    Tensor d = rand64(36, 4).requiresGrad(true);
    c.add(d).sum().backward();
    assertNotSame(c.grad().storage(), d.grad().storage());
    c.mul(2.0).sum().backward();
    assertArrayEquals(new double[] {3, 3, 3, 3}, c.grad().toDoubleArray());
    assertArrayEquals(new double[] {1, 1, 1, 1}, d.grad().toDoubleArray());
  }

  @Test
  void aGradientHandedToTwoOpsStaysOpenUntilBothRan() {
    // The probe hands one tensor to both inputs, each the output of another op: the pass frees it
    // only after the second of them has read it (an early close would fail that backward).
    Tensor a = rand64(44, 4).requiresGrad(true);
    Tensor b = rand64(45, 4).requiresGrad(true);
    Probe p = new Probe(true, false);
    p.apply(a.mul(5.0), b.exp()).sum().backward();
    assertArrayEquals(new double[] {10, 10, 10, 10}, a.grad().toDoubleArray());
    double[] bv = b.toDoubleArray();
    double[] gb = b.grad().toDoubleArray();
    for (int i = 0; i < 4; i++) {
      assertEquals(2 * Math.exp(bv[i]), gb[i], 1e-12);
    }
    // The probe's own gradients were made during the pass and consumed: closed now.
    assertTrue(p.returned[0].isClosed());
  }

  @Test
  void passedOnViewedOrCallerGradientsAreCopied() {
    // The incoming gradient handed on as it is: it belongs to the caller of backward().
    Tensor a = rand64(37, 3).requiresGrad(true);
    Tensor b = rand64(38, 3).requiresGrad(true);
    Tensor upstream = rand64(39, 3);
    new Probe(false, true).apply(a, b).backward(upstream);
    assertNotSame(upstream.storage(), a.grad().storage());
    assertArrayEquals(upstream.toDoubleArray(), a.grad().toDoubleArray());
    // A leaf as the root: its gradient is the caller's tensor.
    Tensor w = rand64(40, 3).requiresGrad(true);
    Tensor g = rand64(41, 3);
    w.backward(g);
    assertNotSame(g.storage(), w.grad().storage());
    // A view of the caller's gradient (a reshape's backward) shares its storage.
    Tensor v = rand64(42, 2, 3).requiresGrad(true);
    Tensor gv = rand64(43, 6);
    v.reshape(6).backward(gv);
    assertNotSame(gv.storage(), v.grad().storage());
    assertArrayEquals(gv.toDoubleArray(), v.grad().toDoubleArray());
  }

  @Test
  void sharedSubexpressionsSumTheirGradients() {
    Tensor x = rand64(22, 4).requiresGrad(true);
    Tensor y = x.mul(x); // x used twice in one op
    Tensor z = y.add(y.mul(x)); // y used twice across ops
    z.sum().backward();
    double[] xv = x.toDoubleArray();
    double[] g = x.grad().toDoubleArray();
    for (int i = 0; i < 4; i++) {
      assertEquals(2 * xv[i] + 3 * xv[i] * xv[i], g[i], 1e-12);
    }
  }

  @Test
  void noGradAndDetachStopRecording() {
    Tensor w = rand64(23, 3).requiresGrad(true);
    try (var ignored = Autograd.noGrad()) {
      Tensor y = w.mul(2.0);
      assertFalse(y.requiresGrad());
      assertNull(y.gradFn());
    }
    Tensor d = w.mul(2.0).detach();
    assertFalse(d.requiresGrad());
    assertTrue(Autograd.isGradEnabled());
    assertThrows(IllegalStateException.class, () -> d.sum().backward());
  }

  @Test
  void aTenThousandOpChainDoesNotOverflowTheStack() {
    Tensor x = Tensor.of(new double[] {0.5}, 1).requiresGrad(true);
    Tensor y = x;
    for (int i = 0; i < 10_000; i++) {
      y = y.mul(1.0001).add(0.0);
    }
    y.sum().backward();
    assertEquals(Math.pow(1.0001, 10_000), x.grad().item(), 1e-9);
  }

  @Test
  void backwardTwiceNeedsRetainGraph() {
    Tensor x = rand64(24, 3).requiresGrad(true);
    Tensor loss = x.exp().sum();
    loss.backward(Tensor.onesLike(loss), true);
    loss.backward(Tensor.onesLike(loss), false);
    double[] xv = x.toDoubleArray();
    assertEquals(2 * Math.exp(xv[0]), x.grad().toDoubleArray()[0], 1e-12);
    var e = assertThrows(IllegalStateException.class, loss::backward);
    assertTrue(e.getMessage().contains("already freed"), e.getMessage());
  }

  @Test
  void nonScalarBackwardNeedsAGradient() {
    Tensor x = rand64(25, 3).requiresGrad(true);
    var e = assertThrows(IllegalArgumentException.class, () -> x.mul(2.0).backward());
    assertTrue(e.getMessage().contains("[3]"), e.getMessage());
  }

  @Test
  void gradCheckCatchesAWrongGradient() {
    // A deliberately wrong backward (sign flipped) must fail the check: the checker can fail.
    Tensor x = rand64(26, 4);
    GradCheck.Result wrong =
        GradCheck.check(
            in -> {
              Tensor v = in[0];
              // forward = v^2 (value through detach), gradient = the one of -v (wrong on purpose)
              return v.square().detach().add(v.neg()).sub(v.neg().detach());
            },
            x);
    assertFalse(wrong.passed(), "a wrong gradient must be caught: " + wrong);
  }

  @Test
  void anomalyModeNamesTheFirstBadOp() {
    Tensor x = Tensor.of(new double[] {1, -1, 2}, 3).requiresGrad(true);
    try (var ignored = Autograd.detectAnomaly()) {
      var e = assertThrows(io.myelin.autograd.AnomalyException.class, () -> x.log().sqrt().sum());
      assertTrue(
          e.getMessage().contains("'log'") && e.getMessage().contains("forward"), e.getMessage());
      // finite forward, infinite gradient: d sqrt(x)/dx at 0
      Tensor z = Tensor.of(new double[] {0, 1}, 2).requiresGrad(true);
      Tensor y = z.sqrt().sum();
      var b = assertThrows(io.myelin.autograd.AnomalyException.class, y::backward);
      assertTrue(
          b.getMessage().contains("'sqrt'") && b.getMessage().contains("backward"), b.getMessage());
    }
    assertFalse(Autograd.isAnomalyDetectionEnabled());
    x.log(); // outside the scope: no check, NaN flows silently as in PyTorch
  }
}
