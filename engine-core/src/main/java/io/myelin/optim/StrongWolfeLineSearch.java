package io.myelin.optim;

/**
 * A line search that finds a step {@code t} along a descent direction {@code d} satisfying the
 * strong Wolfe conditions
 *
 * <pre>
 *   f(x + t d) &lt;= f(x) + c1 t g'd               (sufficient decrease)
 *   |g(x + t d)' d| &lt;= c2 |g'd|                  (curvature)
 * </pre>
 *
 * by bracketing and zooming with safeguarded cubic interpolation: Nocedal and Wright, Numerical
 * Optimization (2nd ed.), Algorithms 3.5 and 3.6, in the form of PyTorch's {@code _strong_wolfe}
 * (itself a port of Mark Schmidt's minFunc). Stateless; works on host vectors.
 */
public final class StrongWolfeLineSearch {
  private StrongWolfeLineSearch() {}

  /**
   * The accepted step.
   *
   * @param value {@code f(x + t d)}
   * @param gradient {@code grad f(x + t d)} (a new array)
   * @param t the step length
   * @param evaluations function evaluations spent
   */
  public record Result(double value, double[] gradient, double t, int evaluations) {}

  /**
   * Searches along {@code d} from {@code x} (left unchanged).
   *
   * @param t the first trial step
   * @param f0 {@code f(x)}
   * @param g0 {@code grad f(x)}
   * @param gtd0 {@code g0' d}, negative
   * @param c1 sufficient-decrease constant (1e-4 usually)
   * @param c2 curvature constant (0.9 for quasi-Newton, 0.1 for conjugate gradient)
   * @param toleranceChange stop zooming when the bracket is shorter than this (times max |d|)
   * @param maxIterations most trial steps (25 in PyTorch)
   */
  public static Result search(
      DifferentiableFunction f,
      double[] x,
      double t,
      double[] d,
      double f0,
      double[] g0,
      double gtd0,
      double c1,
      double c2,
      double toleranceChange,
      int maxIterations) {
    double dNorm = 0;
    for (double v : d) {
      dNorm = Math.max(dNorm, Math.abs(v));
    }
    double[] gNew = new double[x.length];
    double fNew = evaluateAt(f, x, t, d, gNew);
    int evals = 1;
    double gtdNew = dot(gNew, d);

    double tPrev = 0;
    double fPrev = f0;
    double[] gPrev = g0.clone();
    double gtdPrev = gtd0;
    boolean done = false;
    int iter = 0;
    // bracket[0..1] with values, gradients and directional derivatives; size 1 once done
    double[] bt = null;
    double[] bf = null;
    double[][] bg = null;
    double[] bgtd = null;

    // Phase 1 (Alg. 3.5): grow the step until an interval containing a Wolfe point is found.
    while (iter < maxIterations) {
      if (fNew > f0 + c1 * t * gtd0 || (iter > 1 && fNew >= fPrev)) {
        bt = new double[] {tPrev, t};
        bf = new double[] {fPrev, fNew};
        bg = new double[][] {gPrev, gNew.clone()};
        bgtd = new double[] {gtdPrev, gtdNew};
        break;
      }
      if (Math.abs(gtdNew) <= -c2 * gtd0) {
        bt = new double[] {t};
        bf = new double[] {fNew};
        bg = new double[][] {gNew};
        done = true;
        break;
      }
      if (gtdNew >= 0) {
        bt = new double[] {tPrev, t};
        bf = new double[] {fPrev, fNew};
        bg = new double[][] {gPrev, gNew.clone()};
        bgtd = new double[] {gtdPrev, gtdNew};
        break;
      }
      // Extrapolate: the minimiser of the cubic through the last two points, kept in
      // [t + 0.01 (t - tPrev), 10 t] so the step grows but not wildly.
      double minStep = t + 0.01 * (t - tPrev);
      double maxStep = t * 10;
      double tmp = t;
      t = cubicMinimum(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
      tPrev = tmp;
      fPrev = fNew;
      gPrev = gNew.clone();
      gtdPrev = gtdNew;
      fNew = evaluateAt(f, x, t, d, gNew);
      evals++;
      gtdNew = dot(gNew, d);
      iter++;
    }
    if (iter == maxIterations) {
      bt = new double[] {0, t};
      bf = new double[] {f0, fNew};
      bg = new double[][] {g0.clone(), gNew.clone()};
      bgtd = new double[] {gtd0, gtdNew};
    }

    // Phase 2 (Alg. 3.6): zoom into the bracket until a point satisfies both conditions.
    boolean insufficientProgress = false;
    int low = bf[0] <= bf[bf.length - 1] ? 0 : 1;
    int high = 1 - low;
    while (!done && iter < maxIterations) {
      if (Math.abs(bt[1] - bt[0]) * dNorm < toleranceChange) {
        break;
      }
      double lo = Math.min(bt[0], bt[1]);
      double hi = Math.max(bt[0], bt[1]);
      t = cubicMinimum(bt[0], bf[0], bgtd[0], bt[1], bf[1], bgtd[1], lo, hi);
      // Safeguard: a trial too close to an end makes slow progress; move it inside by 10%.
      double eps = 0.1 * (hi - lo);
      if (Math.min(hi - t, t - lo) < eps) {
        if (insufficientProgress || t >= hi || t <= lo) {
          t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
          insufficientProgress = false;
        } else {
          insufficientProgress = true;
        }
      } else {
        insufficientProgress = false;
      }
      fNew = evaluateAt(f, x, t, d, gNew);
      evals++;
      gtdNew = dot(gNew, d);
      iter++;
      if (fNew > f0 + c1 * t * gtd0 || fNew >= bf[low]) {
        bt[high] = t;
        bf[high] = fNew;
        bg[high] = gNew.clone();
        bgtd[high] = gtdNew;
        low = bf[0] <= bf[1] ? 0 : 1;
        high = 1 - low;
      } else {
        if (Math.abs(gtdNew) <= -c2 * gtd0) {
          done = true;
        } else if (gtdNew * (bt[high] - bt[low]) >= 0) {
          bt[high] = bt[low];
          bf[high] = bf[low];
          bg[high] = bg[low];
          bgtd[high] = bgtd[low];
        }
        bt[low] = t;
        bf[low] = fNew;
        bg[low] = gNew.clone();
        bgtd[low] = gtdNew;
      }
    }
    return new Result(bf[low], bg[low].clone(), bt[low], evals);
  }

  /**
   * The minimiser of the cubic interpolating {@code (x1, f1, g1)} and {@code (x2, f2, g2)}, clamped
   * to {@code [lo, hi]}; the midpoint when the cubic has no minimum (N&amp;W eq. 3.59).
   */
  static double cubicMinimum(
      double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
    double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
    double d2Square = d1 * d1 - g1 * g2;
    if (d2Square >= 0) {
      double d2 = Math.sqrt(d2Square);
      double min =
          x1 <= x2
              ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
              : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
      // NaN (a degenerate interval) falls through to the midpoint.
      if (!Double.isNaN(min)) {
        return Math.min(Math.max(min, lo), hi);
      }
    }
    return (lo + hi) / 2;
  }

  private static double evaluateAt(
      DifferentiableFunction f, double[] x, double t, double[] d, double[] gradient) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] + t * d[i];
    }
    return f.evaluate(y, gradient);
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
