package io.myelin.backend;

/**
 * Double-precision scalar functions the JDK lacks, used by the op enums' reference definitions
 * (and so by every backend's float64 path and by the tests).
 */
public final class ScalarMath {
  private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
  private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
  private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

  private ScalarMath() {}

  /**
   * The error function to about 1e-15 relative: Maclaurin series for |x| &lt; 2.5, a continued
   * fraction for erfc beyond (both converge fast there), odd symmetry for negative x.
   */
  public static double erf(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    double ax = Math.abs(x);
    double r;
    if (ax < 2.5) {
      // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
      double term = ax;
      double sum = ax;
      double x2 = ax * ax;
      for (int n = 1; n < 200; n++) {
        term *= -x2 / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      r = TWO_OVER_SQRT_PI * sum;
    } else if (ax > 6.5) {
      r = 1.0;
    } else {
      r = 1.0 - erfcContinuedFraction(ax);
    }
    return x < 0 ? -r : r;
  }

  /** erfc(x) for x >= 2.5 by Lentz's evaluation of the Laplace continued fraction. */
  private static double erfcContinuedFraction(double x) {
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
    double tiny = 1e-300;
    double f = x;
    double c = x;
    double d = 0;
    for (int k = 1; k < 500; k++) {
      double a = k * 0.5;
      d = x + a * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = x + a / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1.0 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1.0) < 1e-16) {
        break;
      }
    }
    return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
  }

  /** Standard normal CDF. */
  public static double normalCdf(double x) {
    return 0.5 * (1.0 + erf(x * INV_SQRT_2));
  }

  /** Standard normal density. */
  public static double normalPdf(double x) {
    return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
  }

  /** Logistic sigmoid, stable for large |x|. */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1.0 / (1.0 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1.0 + e);
  }

  /** softplus(x) = log(1 + e^x), linear above 20 as PyTorch (threshold 20, beta 1). */
  public static double softplus(double x) {
    return x > 20 ? x : Math.log1p(Math.exp(x));
  }
}
