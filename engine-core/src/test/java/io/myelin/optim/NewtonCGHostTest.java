package io.myelin.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Newton-CG on host functions with closed-form Hessian-vector products, against L-BFGS. */
class NewtonCGHostTest {
  /** Rosenbrock's valley, H v from the closed-form Hessian. */
  private static final TwiceDifferentiableFunction ROSENBROCK =
      new TwiceDifferentiableFunction() {
        @Override
        public double evaluate(double[] x, double[] g) {
          double a = 1 - x[0];
          double b = x[1] - x[0] * x[0];
          g[0] = -2 * a - 400 * x[0] * b;
          g[1] = 200 * b;
          return a * a + 100 * b * b;
        }

        @Override
        public void hessianVector(double[] x, double[] v, double[] out) {
          double h00 = 2 - 400 * (x[1] - 3 * x[0] * x[0]);
          double h01 = -400 * x[0];
          out[0] = h00 * v[0] + h01 * v[1];
          out[1] = h01 * v[0] + 200 * v[1];
        }
      };

  @Test
  void rosenbrockInFewerIterationsThanLbfgs() {
    double[] xn = {-1.2, 1};
    var newton =
        new NewtonCG(
            NewtonCG.Options.defaults().withMaxIterations(200).withTolerances(1e-10, 1e-14));
    FullBatchOptimizer.Result rn = newton.minimize(ROSENBROCK, xn);
    double[] xl = {-1.2, 1};
    FullBatchOptimizer.Result rl =
        new LBFGS(LBFGS.Options.defaults().withMaxIterations(200).withTolerances(1e-10, 1e-14))
            .minimize(ROSENBROCK, xl);
    assertEquals(1, xn[0], 1e-8);
    assertEquals(1, xn[1], 1e-8);
    assertEquals(1, xl[0], 1e-6);
    assertTrue(rn.loss() < 1e-16, "Newton-CG loss " + rn.loss());
    assertTrue(
        rn.iterations() < rl.iterations(),
        "Newton-CG " + rn.iterations() + " iterations vs L-BFGS " + rl.iterations());
    assertTrue(
        newton.hessianVectorProducts() <= 2L * rn.iterations(),
        "2-D: CG needs at most 2 products per step, used " + newton.hessianVectorProducts());
  }

  @Test
  void refusesAFunctionWithoutHessianVectorProductsAndBadOptions() {
    DifferentiableFunction f =
        (x, g) -> {
          g[0] = 2 * x[0];
          return x[0] * x[0];
        };
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new NewtonCG(NewtonCG.Options.defaults()).minimize(f, new double[] {1}));
    assertTrue(e.getMessage().contains("TwiceDifferentiableFunction"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> NewtonCG.Options.defaults().withLr(0));
    assertThrows(
        IllegalArgumentException.class, () -> NewtonCG.Options.defaults().withMaxCgIterations(0));
  }
}
