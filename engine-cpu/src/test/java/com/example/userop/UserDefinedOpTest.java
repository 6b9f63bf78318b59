package com.example.userop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.GradCheck;
import io.myelin.autograd.OpContext;
import org.junit.jupiter.api.Test;

/**
 * A differentiable op written by a user outside the library's packages, through the public {@link
 * DifferentiableOp} extension point only: values, gradients against float64 central differences,
 * optional inputs, and the checks apply makes.
 */
class UserDefinedOpTest {
  /** y = x^3, dy/dx = 3 x^2 (or a deliberately wrong 2 x^2, to show the check can fail). */
  static final class Cube extends DifferentiableOp {
    private final double slope;

    Cube(double slope) {
      super("cube");
      this.slope = slope;
    }

    @Override
    protected Tensor forward(OpContext ctx, Tensor... in) {
      ctx.save(in[0]);
      return in[0].mul(in[0]).mul(in[0]);
    }

    @Override
    protected Tensor[] backward(OpContext ctx, Tensor g) {
      Tensor x = ctx.saved(0);
      return new Tensor[] {g.mul(x.mul(x).mul(slope))};
    }
  }

  /** out = a * b + c, c optional (null): the gradient of each input only where it is wanted. */
  static final class MulAdd extends DifferentiableOp {
    MulAdd() {
      super("mulAdd");
    }

    @Override
    protected Tensor forward(OpContext ctx, Tensor... in) {
      ctx.save(in[0], in[1]);
      Tensor p = in[0].mul(in[1]);
      return in[2] == null ? p : p.add(in[2]);
    }

    @Override
    protected Tensor[] backward(OpContext ctx, Tensor g) {
      return new Tensor[] {
        ctx.needsInputGrad(0) ? g.mul(ctx.saved(1)) : null,
        ctx.needsInputGrad(1) ? g.mul(ctx.saved(0)) : null,
        ctx.needsInputGrad(2) ? g : null
      };
    }
  }

  private static Tensor random(long seed, int... shape) {
    return Tensor.randn(new Generator(seed), shape).to(DType.FLOAT64);
  }

  @Test
  void cubeValuesAndGradientMatchTheClosedForm() {
    Tensor x = random(1, 7, 3);
    double[] xs = x.toDoubleArray();
    Tensor leaf = x.copy().requiresGrad(true);
    Tensor y = new Cube(3).apply(leaf);
    assertEquals("cube", y.gradFn().op());
    double[] ys = y.toDoubleArray();
    for (int i = 0; i < xs.length; i++) {
      assertEquals(xs[i] * xs[i] * xs[i], ys[i], 1e-12 * Math.max(1, Math.abs(ys[i])));
    }
    y.sum().backward();
    double[] gs = leaf.grad().toDoubleArray();
    for (int i = 0; i < xs.length; i++) {
      assertEquals(3 * xs[i] * xs[i], gs[i], 1e-12 * Math.max(1, Math.abs(gs[i])));
    }
  }

  @Test
  void cubePassesTheGradientCheckInsideAComposition() {
    for (int n : new int[] {1, 5, 17}) {
      var r =
          GradCheck.check(
              in -> new Cube(3).apply(in[0].tanh()).mul(in[1]),
              random(n, n, 3),
              random(n + 100, n, 3));
      assertTrue(r.passed(), "n=" + n + ": " + r);
    }
  }

  @Test
  void aWrongBackwardFailsTheGradientCheck() {
    var r = GradCheck.check(in -> new Cube(2).apply(in[0]), random(3, 4, 4));
    assertFalse(r.passed(), r.toString());
  }

  @Test
  void optionalAndConstantInputsGetNoGradient() {
    var r =
        GradCheck.check(
            in -> new MulAdd().apply(in[0], in[1], in[2]),
            random(4, 3, 5),
            random(5, 3, 5),
            random(6, 3, 5));
    assertTrue(r.passed(), r.toString());
    var r2 =
        GradCheck.check(
            in -> new MulAdd().apply(in[0], in[1], null), random(7, 2, 9), random(8, 2, 9));
    assertTrue(r2.passed(), r2.toString());

    Tensor a = random(9, 4).requiresGrad(true);
    Tensor b = random(10, 4);
    new MulAdd().apply(a, b, null).sum().backward();
    assertEquals(b.toDoubleArray().length, a.grad().toDoubleArray().length);
    assertNull(b.grad());
  }

  @Test
  void noNodeIsRecordedWithoutGradients() {
    Tensor x = random(11, 3).requiresGrad(true);
    try (var ignored = Autograd.noGrad()) {
      Tensor y = new Cube(3).apply(x);
      assertTrue(y.isLeaf());
      assertFalse(y.requiresGrad());
    }
    assertTrue(new Cube(3).apply(random(12, 3)).isLeaf(), "no input requires grad");
  }

  @Test
  void aForwardThatReturnsItsInputIsRejected() {
    var identity =
        new DifferentiableOp("badIdentity") {
          @Override
          protected Tensor forward(OpContext ctx, Tensor... in) {
            return in[0];
          }

          @Override
          protected Tensor[] backward(OpContext ctx, Tensor g) {
            return new Tensor[] {g};
          }
        };
    Tensor x = random(13, 3).requiresGrad(true);
    var e = assertThrows(IllegalStateException.class, () -> identity.apply(x));
    assertTrue(e.getMessage().contains("badIdentity"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new DifferentiableOp(" ") {
              @Override
              protected Tensor forward(OpContext ctx, Tensor... in) {
                return in[0].neg();
              }

              @Override
              protected Tensor[] backward(OpContext ctx, Tensor g) {
                return new Tensor[] {g.neg()};
              }
            });
  }
}
