package io.myelin.backend;

/**
 * Double-precision scalar functions the JDK lacks, used by the op enums' reference definitions (and
 * so by every backend's float64 path and by the tests).
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

  /**
   * The complementary error function 1 - erf(x), keeping its tail's relative accuracy: the
   * continued fraction for |x| &gt;= 2.5 (2 minus it for x &lt;= -2.5), 1 - erf(x) between, where
   * erfc(x) &gt; 4e-4 so the subtraction loses little.
   */
  public static double erfc(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    if (x >= 2.5) {
      // exp(-x^2) underflows beyond ~27.3; the fraction would then divide infinities.
      return x > 27.5 ? 0.0 : erfcContinuedFraction(x);
    }
    if (x <= -2.5) {
      return x < -27.5 ? 2.0 : 2.0 - erfcContinuedFraction(-x);
    }
    return 1.0 - erf(x);
  }

  /**
   * Standard normal CDF as erfc(-x / sqrt 2) / 2: the textbook (1 + erf(x / sqrt 2)) / 2 cancels
   * for x &lt;&lt; 0, where erf is -1 plus a tiny tail, and so loses the tail's relative accuracy
   * (GELU' at x = -10 is ~1e-21). The CUDA kernels' normal_cdf uses the same form.
   */
  public static double normalCdf(double x) {
    return 0.5 * erfc(-x * INV_SQRT_2);
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
