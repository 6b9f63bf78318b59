package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.Functional;
import io.myelin.backend.UnaryOp;
import io.myelin.loss.FusedLosses;
import io.myelin.nn.Activations;
import io.myelin.nn.FusedLayers;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Second derivatives by forward over reverse (issue 16): the Hessian of a small MLP's loss against
 * central differences of its gradient, {@code hvp} against the Hessian times v, and hvp through the
 * fused primitives (cross-entropy, dropout, batch and layer norm in inference and training) and the
 * activations whose gradient needs its own rule (gelu, the piecewise-linear ones), all in float64
 * (tolerances: 1e-6 against differences, 1e-10 between the two analytic forms).
 */
public abstract class HessianConformanceTest extends DeviceTestBase {
  private static final double H = 1e-5;

  /** A 3-4-3 MLP on 5 samples, parameters packed in one vector of 31. */
  private static UnaryOperator<Tensor> mlpLoss(String activation, boolean fusedLoss) {
    Tensor x = rand64(100, 5, 3);
    Tensor labels = Tensor.ofInts(new int[] {0, 2, 1, 1, 0}).to(x.device());
    return p -> {
      Tensor w1 = p.narrow(0, 0, 12).reshape(3, 4);
      Tensor b1 = p.narrow(0, 12, 4);
      Tensor w2 = p.narrow(0, 16, 12).reshape(4, 3);
      Tensor b2 = p.narrow(0, 28, 3);
      Tensor pre = x.matmul(w1).add(b1);
      Tensor h =
          switch (activation) {
            case "tanh" -> pre.tanh();
            case "sigmoid" -> pre.sigmoid();
            default -> pre.relu();
          };
      Tensor logits = h.matmul(w2).add(b2);
      if (fusedLoss) {
        return FusedLosses.crossEntropy(logits, labels, null, -100, 0.1, true);
      }
      // Composed: mean of -log_softmax at the label, with a one-hot mask.
      Tensor oneHot =
          Tensor.of(new double[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0}, 5, 3)
              .to(x.device());
      return logits.logSoftmax(1).mul(oneHot).sum().neg().div(5);
    };
  }

  private static double[] gradient(UnaryOperator<Tensor> f, double[] at) {
    Tensor p = Tensor.of(at, at.length).requiresGrad(true);
    return Autograd.grad(f.apply(p), new Tensor[] {p}, false)[0].toDoubleArray();
  }

  private static void assertHessianMatchesDifferences(
      String what, UnaryOperator<Tensor> f, double[] p0) {
    int n = p0.length;
    double[] hess = Functional.hessian(f, Tensor.of(p0, n)).toDoubleArray();
    double[] numeric = new double[n * n];
    for (int j = 0; j < n; j++) {
      double[] plus = p0.clone();
      double[] minus = p0.clone();
      plus[j] += H;
      minus[j] -= H;
      double[] gp = gradient(f, plus);
      double[] gm = gradient(f, minus);
      for (int i = 0; i < n; i++) {
        numeric[i * n + j] = (gp[i] - gm[i]) / (2 * H);
      }
    }
    assertClose(numeric, hess, 1e-6, what + ": Hessian vs differences of the gradient");
    // Symmetric up to rounding.
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        assertClose(
            new double[] {hess[i * n + j]},
            new double[] {hess[j * n + i]},
            1e-10,
            what + ": symmetry at " + i + ", " + j);
      }
    }
    // hvp in one pass equals H v.
    double[] v = randomDoubles(7, n, -1, 1);
    double[] hv = Functional.hvp(f, Tensor.of(p0, n), Tensor.of(v, n)).toDoubleArray();
    double[] expected = Tensor.of(hess, n, n).matmul(Tensor.of(v, n)).toDoubleArray();
    assertClose(expected, hv, 1e-10, what + ": hvp vs hessian times v");
  }

  @Test
  void mlpHessians() {
    double[] p0 = randomDoubles(101, 31, -1, 1);
    assertHessianMatchesDifferences("tanh MLP, fused cross-entropy", mlpLoss("tanh", true), p0);
    assertHessianMatchesDifferences(
        "sigmoid MLP, composed cross-entropy", mlpLoss("sigmoid", false), p0);
    assertHessianMatchesDifferences("relu MLP, fused cross-entropy", mlpLoss("relu", true), p0);
  }

  @Test
  void hvpThroughFusedPrimitives() {
    Tensor labels = Tensor.ofInts(new int[] {1, 0, 2, 2}).to(rand64(1, 1).device());
    Tensor weights = rand64(102, 3).abs().add(0.5);
    Tensor probs = rand64(103, 4, 3).softmax(1);
    double[] p0 = randomDoubles(104, 12, -1, 1);
    assertHessianMatchesDifferences(
        "weighted, smoothed cross-entropy with an ignored row",
        p -> FusedLosses.crossEntropy(p.reshape(4, 3).mul(2.0), labels, weights, 0, 0.2, true),
        p0);
    assertHessianMatchesDifferences(
        "cross-entropy sum against probabilities",
        p -> FusedLosses.crossEntropy(p.reshape(4, 3), probs, weights, -100, 0.1, false),
        p0);
    assertHessianMatchesDifferences(
        "dropout", p -> FusedLayers.dropout(p, 0.3, new Generator(5)).tanh().square().sum(), p0);
    Tensor mean = rand64(105, 3);
    Tensor var = rand64(106, 3).abs().add(0.5);
    assertHessianMatchesDifferences(
        "softmax and batch norm in inference",
        p ->
            FusedLayers.batchNorm(p.reshape(4, 3), false, 0.1, 1e-5, null, null, mean, var)
                .softmax(1)
                .square()
                .sum(),
        p0);
    Tensor gamma = rand64(109, 3).abs().add(0.5);
    assertHessianMatchesDifferences(
        "batch norm in inference, affine parameters",
        p ->
            FusedLayers.batchNorm(
                    p.narrow(0, 0, 6).reshape(2, 3),
                    false,
                    0.1,
                    1e-5,
                    p.narrow(0, 6, 3),
                    p.narrow(0, 9, 3),
                    mean,
                    var)
                .tanh()
                .sum(),
        p0);
  }

  @Test
  void hvpThroughNormalisationInTraining() {
    // The statistics depend on x: the gradient is recomputed with tensor ops inside the level.
    double[] p0 = randomDoubles(110, 25, -1, 1);
    Tensor c = rand64(111, 3, 5);
    assertHessianMatchesDifferences(
        "layer norm [3, 5] with affine parameters",
        p ->
            FusedLayers.layerNorm(
                    p.narrow(0, 0, 15).reshape(3, 5),
                    5,
                    1e-5,
                    p.narrow(0, 15, 5),
                    p.narrow(0, 20, 5))
                .sin()
                .mul(c)
                .sum(),
        p0);
    Tensor c7 = rand64(112, 3, 7);
    assertHessianMatchesDifferences(
        "layer norm over 7 without affine parameters",
        p ->
            FusedLayers.layerNorm(p.narrow(0, 0, 21).reshape(3, 7), 7, 1e-3, null, null)
                .tanh()
                .mul(c7)
                .sum(),
        p0);
    Tensor c43 = rand64(113, 4, 3);
    assertHessianMatchesDifferences(
        "batch norm in training [4, 3] with affine parameters",
        p ->
            FusedLayers.batchNorm(
                    p.narrow(0, 0, 12).reshape(4, 3),
                    true,
                    0.1,
                    1e-5,
                    p.narrow(0, 12, 3),
                    p.narrow(0, 15, 3),
                    null,
                    null)
                .sin()
                .mul(c43)
                .sum(),
        p0);
    double[] q0 = randomDoubles(114, 27, -1, 1);
    Tensor c4 = rand64(115, 2, 3, 2, 2);
    Tensor beta = rand64(116, 3);
    assertHessianMatchesDifferences(
        "batch norm in training [2, 3, 2, 2], gamma differentiated, running statistics updated",
        p ->
            FusedLayers.batchNorm(
                    p.narrow(0, 0, 24).reshape(2, 3, 2, 2),
                    true,
                    0.1,
                    1e-5,
                    p.narrow(0, 24, 3),
                    beta,
                    Tensor.zerosLike(p.narrow(0, 0, 3)),
                    Tensor.onesLike(p.narrow(0, 0, 3)))
                .tanh()
                .mul(c4)
                .sum(),
        q0);
  }

  @Test
  void hvpThroughGeluAndPiecewiseLinearActivations() {
    // Inputs in [-1.9, 1.9] away from the kinks (+-0.5, +-1, 0) by far more than the step.
    double[] p0 = randomDoubles(120, 17, -1.9, 1.9);
    for (int i = 0; i < p0.length; i++) {
      for (double kink : new double[] {-1, -0.5, 0, 0.5, 1}) {
        if (Math.abs(p0[i] - kink) < 0.01) {
          p0[i] += 0.05;
        }
      }
    }
    Tensor c = rand64(121, 17);
    assertHessianMatchesDifferences("gelu", p -> p.map(UnaryOp.GELU).mul(p.sin()).mul(c).sum(), p0);
    assertHessianMatchesDifferences(
        "gelu of gelu", p -> p.map(UnaryOp.GELU).map(UnaryOp.GELU).square().sum(), p0);
    assertHessianMatchesDifferences(
        "piecewise linear", p -> p.map(UnaryOp.PIECEWISE_LINEAR).square().mul(p).sum(), p0);
    assertHessianMatchesDifferences(
        "hardtanh, relu, leaky relu",
        p ->
            Activations.hardTanh(p)
                .mul(p.relu())
                .add(Activations.leakyRelu(p, 0.2).square())
                .mul(c)
                .sum(),
        p0);
  }

  @Test
  void hvpOfParametersInPlace() {
    // The form Newton-CG uses: the model's own parameter tensors carry the tangents.
    UnaryOperator<Tensor> f = mlpLoss("tanh", true);
    double[] p0 = randomDoubles(107, 31, -1, 1);
    double[] v = randomDoubles(108, 31, -1, 1);
    Tensor param = Tensor.of(p0, 31).requiresGrad(true);
    Functional.Hvp r =
        Functional.hvp(() -> f.apply(param), List.of(param), List.of(Tensor.of(v, 31)));
    assertArrayEquals(gradient(f, p0), r.gradients()[0].toDoubleArray(), 1e-14);
    double[] expected = Functional.hvp(f, Tensor.of(p0, 31), Tensor.of(v, 31)).toDoubleArray();
    assertClose(expected, r.products()[0].toDoubleArray(), 1e-12, "in-place hvp");
    assertClose(
        new double[] {f.apply(Tensor.of(p0, 31)).item()},
        new double[] {r.value().item()},
        1e-14,
        "loss");
  }
}
