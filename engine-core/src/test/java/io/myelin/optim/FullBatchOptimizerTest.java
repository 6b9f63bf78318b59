package io.myelin.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** LBFGS and nonlinear CG on host functions: a convex quadratic and Rosenbrock's valley. */
class FullBatchOptimizerTest {
  private static final DifferentiableFunction ROSENBROCK =
      (x, g) -> {
        double a = 1 - x[0];
        double b = x[1] - x[0] * x[0];
        g[0] = -2 * a - 400 * x[0] * b;
        g[1] = 200 * b;
        return a * a + 100 * b * b;
      };

  /** f(x) = 1/2 x'Ax - b'x with A = M'M + I (SPD, condition number in the hundreds). */
  private record Quadratic(double[][] a, double[] b) implements DifferentiableFunction {
    static Quadratic random(int n, long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      double[][] m = new double[n][n];
      for (double[] row : m) {
        for (int j = 0; j < n; j++) {
          row[j] = r.nextDouble(-2, 2);
        }
      }
      double[][] a = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          for (int k = 0; k < n; k++) {
            a[i][j] += m[k][i] * m[k][j];
          }
        }
        a[i][i] += 0.1;
      }
      double[] b = new double[n];
      for (int i = 0; i < n; i++) {
        b[i] = r.nextDouble(-1, 1);
      }
      return new Quadratic(a, b);
    }

    @Override
    public double evaluate(double[] x, double[] g) {
      double f = 0;
      for (int i = 0; i < x.length; i++) {
        double ax = 0;
        for (int j = 0; j < x.length; j++) {
          ax += a[i][j] * x[j];
        }
        g[i] = ax - b[i];
        f += 0.5 * x[i] * ax - b[i] * x[i];
      }
      return f;
    }

    /** A^-1 b by Gaussian elimination with partial pivoting. */
    double[] solution() {
      int n = b.length;
      double[][] m = new double[n][];
      for (int i = 0; i < n; i++) {
        m[i] = java.util.Arrays.copyOf(a[i], n + 1);
        m[i][n] = b[i];
      }
      for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++) {
          if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
            p = r;
          }
        }
        double[] tmp = m[c];
        m[c] = m[p];
        m[p] = tmp;
        for (int r = c + 1; r < n; r++) {
          double k = m[r][c] / m[c][c];
          for (int j = c; j <= n; j++) {
            m[r][j] -= k * m[c][j];
          }
        }
      }
      double[] x = new double[n];
      for (int i = n - 1; i >= 0; i--) {
        double s = m[i][n];
        for (int j = i + 1; j < n; j++) {
          s -= m[i][j] * x[j];
        }
        x[i] = s / m[i][i];
      }
      return x;
    }
  }

  private static void assertNear(double[] expected, double[] actual, double tol, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol, what + " x[" + i + "]");
    }
  }

  private static final LBFGS.Options TIGHT_LBFGS =
      LBFGS.Options.defaults().withMaxIterations(500).withTolerances(1e-12, 1e-20);
  private static final ConjugateGradient.Options TIGHT_CG =
      ConjugateGradient.Options.defaults()
          .withMaxIterations(2000, 10000)
          .withTolerances(1e-12, 1e-20);

  @Test
  void lbfgsSolvesAConvexQuadratic() {
    Quadratic q = Quadratic.random(7, 3);
    double[] x = new double[7];
    var r = new LBFGS(TIGHT_LBFGS).minimize(q, x);
    assertNear(q.solution(), x, 1e-8, "LBFGS quadratic (" + r + ")");
  }

  @Test
  void conjugateGradientSolvesAConvexQuadratic() {
    Quadratic q = Quadratic.random(7, 3);
    double[] x = new double[7];
    var r = new ConjugateGradient(TIGHT_CG).minimize(q, x);
    assertNear(q.solution(), x, 1e-8, "CG quadratic (" + r + ")");
  }

  @Test
  void lbfgsFindsTheRosenbrockMinimum() {
    double[] x = {-1.2, 1};
    var r = new LBFGS(TIGHT_LBFGS).minimize(ROSENBROCK, x);
    assertNear(new double[] {1, 1}, x, 1e-5, "LBFGS Rosenbrock (" + r + ")");
    assertTrue(r.iterations() < 100, "LBFGS took " + r.iterations() + " iterations");
    assertEquals(24.2, r.initialLoss(), 1e-12);
  }

  @Test
  void conjugateGradientFindsTheRosenbrockMinimum() {
    double[] x = {-1.2, 1};
    var r = new ConjugateGradient(TIGHT_CG).minimize(ROSENBROCK, x);
    assertNear(new double[] {1, 1}, x, 1e-5, "CG Rosenbrock (" + r + ")");
  }

  @Test
  void lbfgsWithoutLineSearchStillDescendsOnAQuadratic() {
    Quadratic q = Quadratic.random(5, 9);
    double[] x = new double[5];
    double[] g = new double[5];
    double f0 = q.evaluate(x, g);
    new LBFGS(TIGHT_LBFGS.withStrongWolfe(false).withLr(0.01).withMaxIterations(50)).minimize(q, x);
    assertTrue(q.evaluate(x, g) < f0);
  }

  @Test
  void lbfgsContinuesItsHistoryAcrossCalls() {
    // Twenty calls of one iteration each equal one call of twenty iterations, as in PyTorch.
    double[] a = {-1.2, 1};
    double[] b = {-1.2, 1};
    var base = LBFGS.Options.defaults().withTolerances(0, 0);
    new LBFGS(base.withMaxIterations(20).withMaxEvaluations(1000)).minimize(ROSENBROCK, a);
    LBFGS stepwise = new LBFGS(base.withMaxIterations(1).withMaxEvaluations(1000));
    for (int i = 0; i < 20; i++) {
      stepwise.minimize(ROSENBROCK, b);
    }
    assertNear(a, b, 0, "one call vs twenty");
  }

  @Test
  void strongWolfeStepSatisfiesBothConditions() {
    double[] x = {-1.2, 1};
    double[] g = new double[2];
    double f = ROSENBROCK.evaluate(x, g);
    double[] d = {-g[0], -g[1]};
    double gtd = -(g[0] * g[0] + g[1] * g[1]);
    var r = StrongWolfeLineSearch.search(ROSENBROCK, x, 1.0, d, f, g, gtd, 1e-4, 0.9, 1e-12, 25);
    assertTrue(r.value() <= f + 1e-4 * r.t() * gtd, "sufficient decrease");
    double gtdNew = r.gradient()[0] * d[0] + r.gradient()[1] * d[1];
    assertTrue(Math.abs(gtdNew) <= 0.9 * Math.abs(gtd), "curvature");
  }

  @Test
  void cubicInterpolationFindsTheMinimumOfACubic() {
    // f(x) = (x - 1)^3 - 3 (x - 1) has its local minimum at x = 2; samples at 0 and 3.
    double min = StrongWolfeLineSearch.cubicMinimum(0, 2, 0, 3, 2, 9, 0, 3);
    assertEquals(2.0, min, 1e-12);
  }

  @Test
  void invalidSettingsAreRejectedByName() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> LBFGS.Options.defaults().withHistorySize(0));
    assertTrue(e.getMessage().contains("historySize"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LBFGS.Options.defaults().withLr(-1));
    assertTrue(e.getMessage().contains("lr"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConjugateGradient.Options.defaults().withRestartInterval(-2));
    assertTrue(e.getMessage().contains("restartInterval"), e.getMessage());
  }
}
