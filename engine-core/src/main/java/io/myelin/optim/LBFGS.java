package io.myelin.optim;

import io.myelin.Tensor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Limited-memory BFGS with a strong-Wolfe line search, as PyTorch's {@code
 * LBFGS(line_search_fn="strong_wolfe")}: Nocedal and Wright, Numerical Optimization, Algorithm 7.4
 * (two-loop recursion, initial Hessian {@code H0 = (s'y / y'y) I}, eq. 7.20) with the line search
 * of {@link StrongWolfeLineSearch} ({@code c1 = 1e-4, c2 = 0.9}).
 *
 * <p>Each iteration: {@code d = -H g} from the last {@code historySize} pairs {@code s = x_(k+1) -
 * x_k, y = g_(k+1) - g_k} (pairs with {@code y's <= 1e-10} are skipped, which keeps H positive
 * definite); the first step is {@code lr * min(1, 1/|g|_1)}, later ones start at {@code lr}. It
 * stops when {@code max|g| <= toleranceGrad}, when {@code max|t d|} or the change of the loss is
 * below {@code toleranceChange}, or at the iteration/evaluation limits. Runs on the host in float64
 * (see {@link FullBatchOptimizer}).
 */
public final class LBFGS extends FullBatchOptimizer {

  /**
   * LBFGS's settings; {@link #defaults()} is PyTorch's (lr 1, 20 iterations per step, 25
   * evaluations, tolerances 1e-7 and 1e-9, history 100) with the strong-Wolfe line search on.
   *
   * @param lr step scale, > 0
   * @param maxIterations iterations per {@code step}/{@code minimize}, >= 1
   * @param maxEvaluations function evaluations per call, >= 1 ({@code maxIterations * 5/4} by
   *     default)
   * @param toleranceGrad stop when the largest gradient component is at most this
   * @param toleranceChange stop when the step or the loss change is below this
   * @param historySize correction pairs kept, >= 1
   * @param strongWolfe use the line search; without it the step is fixed at {@code lr}
   */
  public record Options(
      double lr,
      int maxIterations,
      int maxEvaluations,
      double toleranceGrad,
      double toleranceChange,
      int historySize,
      boolean strongWolfe) {

    public Options {
      OptionChecks.positive("LBFGS", "lr", lr);
      OptionChecks.nonNegative("LBFGS", "toleranceGrad", toleranceGrad);
      OptionChecks.nonNegative("LBFGS", "toleranceChange", toleranceChange);
      if (maxIterations < 1) {
        throw new IllegalArgumentException(
            "LBFGS: invalid maxIterations " + maxIterations + " (must be >= 1)");
      }
      if (maxEvaluations < 1) {
        throw new IllegalArgumentException(
            "LBFGS: invalid maxEvaluations " + maxEvaluations + " (must be >= 1)");
      }
      if (historySize < 1) {
        throw new IllegalArgumentException(
            "LBFGS: invalid historySize " + historySize + " (must be >= 1)");
      }
    }

    public static Options defaults() {
      return new Options(1, 20, 25, 1e-7, 1e-9, 100, true);
    }

    public Options withLr(double v) {
      return new Options(
          v,
          maxIterations,
          maxEvaluations,
          toleranceGrad,
          toleranceChange,
          historySize,
          strongWolfe);
    }

    /** Sets the iteration limit and, as PyTorch does, the evaluation limit to 5/4 of it. */
    public Options withMaxIterations(int v) {
      return new Options(
          lr, v, Math.max(1, v * 5 / 4), toleranceGrad, toleranceChange, historySize, strongWolfe);
    }

    public Options withMaxEvaluations(int v) {
      return new Options(
          lr, maxIterations, v, toleranceGrad, toleranceChange, historySize, strongWolfe);
    }

    public Options withTolerances(double grad, double change) {
      return new Options(lr, maxIterations, maxEvaluations, grad, change, historySize, strongWolfe);
    }

    public Options withHistorySize(int v) {
      return new Options(
          lr, maxIterations, maxEvaluations, toleranceGrad, toleranceChange, v, strongWolfe);
    }

    public Options withStrongWolfe(boolean v) {
      return new Options(
          lr, maxIterations, maxEvaluations, toleranceGrad, toleranceChange, historySize, v);
    }
  }

  private final Options options;
  // Carried between calls, as PyTorch keeps them in the optimizer state.
  private final Deque<double[]> sHistory = new ArrayDeque<>();
  private final Deque<double[]> yHistory = new ArrayDeque<>();
  private final Deque<Double> rhoHistory = new ArrayDeque<>();
  private double[] d;
  private double t;
  private double hDiag = 1;
  private double[] prevGrad;
  private int totalIterations;

  /** For host functions ({@link #minimize}). */
  public LBFGS(Options options) {
    this.options = options;
  }

  /** Over parameter tensors ({@link #step}). */
  public LBFGS(List<Tensor> parameters, Options options) {
    super(parameters);
    this.options = options;
  }

  public Options options() {
    return options;
  }

  @Override
  public Result minimize(DifferentiableFunction f, double[] x) {
    int n = x.length;
    double[] g = new double[n];
    double loss = f.evaluate(x, g);
    double initial = loss;
    int evals = 1;
    if (maxAbs(g) <= options.toleranceGrad()) {
      return new Result(initial, loss, 0, evals, StopReason.GRADIENT_TOLERANCE);
    }
    int iter = 0;
    StopReason reason = StopReason.MAX_ITERATIONS;
    while (iter < options.maxIterations()) {
      iter++;
      totalIterations++;
      if (totalIterations == 1) {
        d = negate(g);
        sHistory.clear();
        yHistory.clear();
        rhoHistory.clear();
        hDiag = 1;
      } else {
        updateHistory(g);
        d = twoLoop(g);
      }
      prevGrad = g.clone();
      double prevLoss = loss;
      t = totalIterations == 1 ? Math.min(1.0, 1.0 / sumAbs(g)) * options.lr() : options.lr();
      double gtd = StrongWolfeLineSearch.dot(g, d);
      if (gtd > -options.toleranceChange()) {
        reason = StopReason.NO_DESCENT;
        break;
      }
      int used;
      if (options.strongWolfe()) {
        var ls =
            StrongWolfeLineSearch.search(
                f, x, t, d, loss, g, gtd, 1e-4, 0.9, options.toleranceChange(), 25);
        loss = ls.value();
        g = ls.gradient();
        t = ls.t();
        used = ls.evaluations();
        axpy(t, d, x);
      } else {
        axpy(t, d, x);
        used = 0;
        if (iter != options.maxIterations()) {
          loss = f.evaluate(x, g);
          used = 1;
        }
      }
      evals += used;
      if (iter == options.maxIterations()) {
        reason = StopReason.MAX_ITERATIONS;
        break;
      }
      if (evals >= options.maxEvaluations()) {
        reason = StopReason.MAX_EVALUATIONS;
        break;
      }
      if (maxAbs(g) <= options.toleranceGrad()) {
        reason = StopReason.GRADIENT_TOLERANCE;
        break;
      }
      if (Math.abs(t) * maxAbs(d) <= options.toleranceChange()
          || Math.abs(loss - prevLoss) < options.toleranceChange()) {
        reason = StopReason.CHANGE_TOLERANCE;
        break;
      }
    }
    return new Result(initial, loss, iter, evals, reason);
  }

  /** Adds the pair (s = t d, y = g - gPrev) when its curvature y's is safely positive. */
  private void updateHistory(double[] g) {
    int n = g.length;
    double[] y = new double[n];
    double[] s = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = g[i] - prevGrad[i];
      s[i] = d[i] * t;
    }
    double ys = StrongWolfeLineSearch.dot(y, s);
    if (ys > 1e-10) {
      if (sHistory.size() == options.historySize()) {
        sHistory.removeFirst();
        yHistory.removeFirst();
        rhoHistory.removeFirst();
      }
      sHistory.addLast(s);
      yHistory.addLast(y);
      rhoHistory.addLast(1.0 / ys);
      hDiag = ys / StrongWolfeLineSearch.dot(y, y);
    }
  }

  /** N&amp;W Algorithm 7.4: {@code -H g} from the stored pairs, newest first then oldest first. */
  private double[] twoLoop(double[] g) {
    int m = sHistory.size();
    double[][] s = sHistory.toArray(new double[0][]);
    double[][] y = yHistory.toArray(new double[0][]);
    double[] rho = new double[m];
    Iterator<Double> it = rhoHistory.iterator();
    for (int i = 0; i < m; i++) {
      rho[i] = it.next();
    }
    double[] q = negate(g);
    double[] alpha = new double[m];
    for (int i = m - 1; i >= 0; i--) {
      alpha[i] = StrongWolfeLineSearch.dot(s[i], q) * rho[i];
      axpy(-alpha[i], y[i], q);
    }
    for (int i = 0; i < q.length; i++) {
      q[i] *= hDiag;
    }
    for (int i = 0; i < m; i++) {
      double beta = StrongWolfeLineSearch.dot(y[i], q) * rho[i];
      axpy(alpha[i] - beta, s[i], q);
    }
    return q;
  }

  static double[] negate(double[] v) {
    double[] r = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      r[i] = -v[i];
    }
    return r;
  }

  /** {@code y += a x}. */
  static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += a * x[i];
    }
  }
}
