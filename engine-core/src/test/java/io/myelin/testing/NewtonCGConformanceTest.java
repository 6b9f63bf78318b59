package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.loss.FusedLosses;
import io.myelin.optim.FullBatchOptimizer;
import io.myelin.optim.LBFGS;
import io.myelin.optim.NewtonCG;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Newton-CG on tensors, its Hessian-vector products by forward over reverse through the closure's
 * own forward and backward: it reaches the minimum of Rosenbrock's function and of a logistic
 * regression in fewer iterations than L-BFGS from the same start (iterations printed; time is
 * measured by the bench, not here).
 */
public abstract class NewtonCGConformanceTest extends DeviceTestBase {

  private record Run(FullBatchOptimizer.Result result, double[] x) {}

  private static Run run(FullBatchOptimizer opt, Tensor param, Supplier<Tensor> loss) {
    FullBatchOptimizer.Result r =
        opt.step(
            () -> {
              Tensor l = loss.get();
              l.backward();
              return l.item();
            });
    return new Run(r, param.toDoubleArray());
  }

  @Test
  void rosenbrock() {
    double[] start = {-1.2, 1};
    Tensor xn = Tensor.of(start.clone(), 2).requiresGrad(true);
    Supplier<Tensor> fn = () -> rosenbrock(xn);
    var newton =
        new NewtonCG(
            List.of(xn),
            NewtonCG.Options.defaults().withMaxIterations(200).withTolerances(1e-10, 1e-14));
    Run n = run(newton, xn, fn);
    Tensor xl = Tensor.of(start.clone(), 2).requiresGrad(true);
    Run l =
        run(
            new LBFGS(
                List.of(xl),
                LBFGS.Options.defaults().withMaxIterations(200).withTolerances(1e-10, 1e-14)),
            xl,
            () -> rosenbrock(xl));
    System.out.println(
        "rosenbrock: Newton-CG "
            + n.result()
            + ", "
            + newton.hessianVectorProducts()
            + " hvps; L-BFGS "
            + l.result());
    assertEquals(1, n.x()[0], 1e-8);
    assertEquals(1, n.x()[1], 1e-8);
    assertEquals(1, l.x()[0], 1e-6);
    assertTrue(
        n.result().iterations() < l.result().iterations(),
        "Newton-CG " + n.result().iterations() + " vs L-BFGS " + l.result().iterations());
  }

  private static Tensor rosenbrock(Tensor x) {
    Tensor x0 = x.narrow(0, 0, 1);
    Tensor x1 = x.narrow(0, 1, 1);
    return x1.sub(x0.square()).square().mul(100.0).add(x0.rsub(1.0).square()).sum();
  }

  @Test
  void logisticRegression() {
    // 300 samples, 6 features, labels from a noisy linear rule: a strictly convex problem with
    // a little L2 (0.01) so the minimum is unique.
    Generator gen = new Generator(17);
    Tensor features = Tensor.normal(rand64(1, 1).device(), DType.FLOAT64, gen, 0, 1, 300, 6);
    Tensor trueW =
        Tensor.of(new double[] {1.5, -2, 0.5, 0, 1, -0.7, 0.3, -0.3, 0.8, -1.1, 0.2, 0.4}, 6, 2);
    Tensor noise = Tensor.normal(features.device(), DType.FLOAT64, gen, 0, 0.5, 300, 2);
    int[] labels = new int[300];
    double[] score = features.matmul(trueW).add(noise).toDoubleArray();
    for (int i = 0; i < 300; i++) {
      labels[i] = score[2 * i] > score[2 * i + 1] ? 0 : 1;
    }
    Tensor y = Tensor.ofInts(labels).to(features.device());
    double[] w0 = new double[14];
    Tensor wn = Tensor.of(w0.clone(), 14).requiresGrad(true);
    Tensor wl = Tensor.of(w0.clone(), 14).requiresGrad(true);
    var newton =
        new NewtonCG(
            List.of(wn),
            NewtonCG.Options.defaults().withMaxIterations(200).withTolerances(1e-9, 1e-15));
    Run n = run(newton, wn, () -> logistic(features, y, wn));
    Run l =
        run(
            new LBFGS(
                List.of(wl),
                LBFGS.Options.defaults().withMaxIterations(200).withTolerances(1e-9, 1e-15)),
            wl,
            () -> logistic(features, y, wl));
    System.out.println(
        "logistic regression: Newton-CG "
            + n.result()
            + ", "
            + newton.hessianVectorProducts()
            + " hvps; L-BFGS "
            + l.result());
    assertEquals(l.result().loss(), n.result().loss(), 1e-9, "the same minimum");
    assertClose(l.x(), n.x(), 1e-5, "the same weights");
    assertTrue(
        n.result().iterations() < l.result().iterations(),
        "Newton-CG " + n.result().iterations() + " vs L-BFGS " + l.result().iterations());
  }

  /** Mean cross-entropy of softmax(X W + b) (fused) plus 0.01 |W|^2 / 2. */
  private static Tensor logistic(Tensor x, Tensor y, Tensor params) {
    Tensor w = params.narrow(0, 0, 12).reshape(6, 2);
    Tensor b = params.narrow(0, 12, 2);
    Tensor ce = FusedLosses.crossEntropy(x.matmul(w).add(b), y, null, -100, 0, true);
    return ce.add(w.square().sum().mul(0.005));
  }
}
