package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The scalar references the op enums are defined by, against known values and identities. */
class ScalarMathTest {

  @Test
  void erfMatchesTabulatedValues() {
    // Abramowitz & Stegun table 7.1 / high-precision values.
    double[][] table = {
      {0.0, 0.0},
      {0.1, 0.1124629160182849},
      {0.5, 0.5204998778130465},
      {1.0, 0.8427007929497149},
      {1.5, 0.9661051464753108},
      {2.0, 0.9953222650189527},
      {2.5, 0.9995930479825550},
      {3.0, 0.9999779095030014},
      {4.0, 0.9999999845827421},
      {-0.7, -0.6778011938374184}
    };
    for (double[] row : table) {
      assertEquals(row[1], ScalarMath.erf(row[0]), 1e-14, "erf(" + row[0] + ")");
    }
  }

  @Test
  void erfIsSmoothAcrossItsBranchPoint() {
    // The series and the continued fraction meet at 2.5; the derivative there is 2/sqrt(pi) e^-x^2.
    double h = 1e-6;
    double numeric = (ScalarMath.erf(2.5 + h) - ScalarMath.erf(2.5 - h)) / (2 * h);
    assertEquals(2 / Math.sqrt(Math.PI) * Math.exp(-6.25), numeric, 1e-8);
  }

  @Test
  void normalCdfKeepsItsLowerTailRelativeAccuracy() {
    // Phi(x) to 20 digits (mpmath.ncdf); 1 + erf(x / sqrt 2) would give 0 or a multiple of 1e-16
    // here.
    double[][] table = {
      {-3.0, 1.3498980316300945267e-3}, {-5.0, 2.8665157187919391167e-7},
      {-10.0, 7.6198530241605260660e-24}, {-20.0, 2.7536241186062336951e-89},
      {-37.0, 5.7255712225245768227e-300}, {1.0, 0.84134474606854294859}
    };
    for (double[] row : table) {
      // 1e-13: 1 - erf's series near 2.5 (erfc ~ 1e-3 there); plus the rounding of x / sqrt 2,
      // which exp(-x^2 / 2) amplifies x^2-fold (in ulps).
      double relative = 1e-13 + row[0] * row[0] * 2.3e-16;
      assertEquals(row[1], ScalarMath.normalCdf(row[0]), relative * row[1], "Phi(" + row[0] + ")");
    }
    assertEquals(0.0, ScalarMath.normalCdf(-40.0));
    assertEquals(1.0, ScalarMath.normalCdf(40.0));
    assertEquals(2.0884875837625447570e-45, ScalarMath.erfc(10.0), 1e-13 * 2.1e-45);
    assertEquals(1.9999779095030014146, ScalarMath.erfc(-3.0), 1e-15);
  }

  @Test
  void derivativesAgreeWithCentralDifferences() {
    SplittableRandom r = new SplittableRandom(1);
    for (UnaryOp op : UnaryOp.values()) {
      for (int i = 0; i < 200; i++) {
        double x = -3 + 6 * r.nextDouble();
        if (op == UnaryOp.LOG
            || op == UnaryOp.SQRT
            || op == UnaryOp.RECIPROCAL
            || op == UnaryOp.POW_SCALAR) {
          x = Math.abs(x) + 0.2;
        }
        double a = op == UnaryOp.CLAMP ? -1 : 0.7;
        double b = op == UnaryOp.CLAMP ? 1 : 0;
        double h = 1e-6;
        // skip points within h of a kink
        boolean nearKink =
            Math.abs(x) < 1e-3
                || Math.abs(Math.abs(x) - 0.5) < 1e-3
                || Math.abs(Math.abs(x) - 1) < 1e-3;
        if (nearKink) {
          continue;
        }
        double numeric = (op.apply(x + h, a, b) - op.apply(x - h, a, b)) / (2 * h);
        double analytic = op.derivative(x, op.apply(x, a, b), a, b);
        assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), op + " at " + x);
      }
    }
  }

  @Test
  void activationsHaveTheirTextbookValues() {
    assertEquals(0.5, UnaryOp.STEP.apply(0, 0, 0));
    assertEquals(1.0, UnaryOp.STEP.apply(1e-9, 0, 0));
    assertEquals(0.0, UnaryOp.PIECEWISE_LINEAR.apply(-0.6, 0, 0));
    assertEquals(0.75, UnaryOp.PIECEWISE_LINEAR.apply(0.25, 0, 0));
    assertEquals(1 / (1 + Math.exp(-0.3)), UnaryOp.SIGMOID.apply(0.3, 0, 0), 1e-16);
    assertEquals(-0.02, UnaryOp.LEAKY_RELU.apply(-2, 0.01, 0), 1e-16);
    assertEquals(Math.log1p(Math.exp(1.2)), UnaryOp.SOFTPLUS.apply(1.2, 0, 0), 1e-15);
    assertEquals(0.8413447460685429, UnaryOp.GELU.apply(1.0, 0, 0), 1e-14); // 1 * Phi(1)
    assertEquals(1.0 / (1 + Math.exp(-1.0)), UnaryOp.SILU.apply(1.0, 0, 0), 1e-16);
  }
}
