package io.myelin.optim;

import io.myelin.Tensor;
import java.util.List;

/**
 * Nonlinear conjugate gradient, Polak-Ribiere+ (Nocedal and Wright, Numerical Optimization, eq.
 * 5.44-5.45) with the strong-Wolfe line search of {@link StrongWolfeLineSearch}:
 *
 * <pre>
 *   beta = max(0, g_(k+1)' (g_(k+1) - g_k) / g_k' g_k)
 *   d_(k+1) = -g_(k+1) + beta d_k
 * </pre>
 *
 * restarted with {@code d = -g} every {@code restartInterval} iterations (the dimension by default)
 * and whenever {@code d} is not a descent direction ({@code g'd >= 0}). The first trial step is
 * {@code lr * min(1, 1/|g|_1)}, later ones {@code t_(k-1) g_(k-1)'d_(k-1) / g_k'd_k} (N&amp;W eq.
 * 3.60); the curvature constant is 0.1 as N&amp;W advise for CG (section 5.2). Stops as {@link
 * LBFGS} does. Runs on the host in float64 (see {@link FullBatchOptimizer}).
 */
public final class ConjugateGradient extends FullBatchOptimizer {

  /**
   * CG's settings.
   *
   * @param lr scale of the first trial step, > 0
   * @param maxIterations iterations per call, >= 1
   * @param maxEvaluations function evaluations per call, >= 1
   * @param toleranceGrad stop when the largest gradient component is at most this
   * @param toleranceChange stop when the step or the loss change is below this
   * @param restartInterval restart every this many iterations; 0 means the dimension
   */
  public record Options(
      double lr,
      int maxIterations,
      int maxEvaluations,
      double toleranceGrad,
      double toleranceChange,
      int restartInterval) {

    public Options {
      OptionChecks.positive("ConjugateGradient", "lr", lr);
      OptionChecks.nonNegative("ConjugateGradient", "toleranceGrad", toleranceGrad);
      OptionChecks.nonNegative("ConjugateGradient", "toleranceChange", toleranceChange);
      if (maxIterations < 1) {
        throw new IllegalArgumentException(
            "ConjugateGradient: invalid maxIterations " + maxIterations + " (must be >= 1)");
      }
      if (maxEvaluations < 1) {
        throw new IllegalArgumentException(
            "ConjugateGradient: invalid maxEvaluations " + maxEvaluations + " (must be >= 1)");
      }
      if (restartInterval < 0) {
        throw new IllegalArgumentException(
            "ConjugateGradient: invalid restartInterval " + restartInterval + " (must be >= 0)");
      }
    }

    /** lr 1, 100 iterations, 250 evaluations, tolerances 1e-7 and 1e-9, restart every n. */
    public static Options defaults() {
      return new Options(1, 100, 250, 1e-7, 1e-9, 0);
    }

    public Options withLr(double v) {
      return new Options(
          v, maxIterations, maxEvaluations, toleranceGrad, toleranceChange, restartInterval);
    }

    public Options withMaxIterations(int iterations, int evaluations) {
      return new Options(
          lr, iterations, evaluations, toleranceGrad, toleranceChange, restartInterval);
    }

    public Options withTolerances(double grad, double change) {
      return new Options(lr, maxIterations, maxEvaluations, grad, change, restartInterval);
    }

    public Options withRestartInterval(int v) {
      return new Options(lr, maxIterations, maxEvaluations, toleranceGrad, toleranceChange, v);
    }
  }

  private static final double C1 = 1e-4;
  private static final double C2 = 0.1;

  private final Options options;

  /** For host functions ({@link #minimize}). */
  public ConjugateGradient(Options options) {
    this.options = options;
  }

  /** Over parameter tensors ({@link #step}). */
  public ConjugateGradient(List<Tensor> parameters, Options options) {
    super(parameters);
    this.options = options;
  }

  public Options options() {
    return options;
  }

  /** Each call starts afresh with steepest descent (CG keeps no state between calls). */
  @Override
  public Result minimize(DifferentiableFunction f, double[] x) {
    int n = x.length;
    int restart = options.restartInterval() == 0 ? n : options.restartInterval();
    double[] g = new double[n];
    double loss = f.evaluate(x, g);
    double initial = loss;
    int evals = 1;
    if (FullBatchOptimizer.maxAbs(g) <= options.toleranceGrad()) {
      return new Result(initial, loss, 0, evals, StopReason.GRADIENT_TOLERANCE);
    }
    double[] d = LBFGS.negate(g);
    double[] gPrev = null;
    double t = 0;
    double gtdPrev = 0;
    int sinceRestart = 0;
    int iter = 0;
    StopReason reason = StopReason.MAX_ITERATIONS;
    while (iter < options.maxIterations()) {
      iter++;
      if (gPrev != null) {
        sinceRestart++;
        double beta = 0;
        if (sinceRestart < restart) {
          double num = 0;
          double den = 0;
          for (int i = 0; i < n; i++) {
            num += g[i] * (g[i] - gPrev[i]);
            den += gPrev[i] * gPrev[i];
          }
          beta = Math.max(0, num / den);
        } else {
          sinceRestart = 0;
        }
        for (int i = 0; i < n; i++) {
          d[i] = -g[i] + beta * d[i];
        }
        if (StrongWolfeLineSearch.dot(g, d) >= 0) {
          // Not a descent direction (possible with PR+ when the line search is inexact).
          d = LBFGS.negate(g);
          sinceRestart = 0;
        }
      }
      double gtd = StrongWolfeLineSearch.dot(g, d);
      if (gtd > -options.toleranceChange()) {
        reason = StopReason.NO_DESCENT;
        break;
      }
      t =
          gPrev == null
              ? Math.min(1.0, 1.0 / sumAbs(g)) * options.lr()
              : Math.min(1e10, t * gtdPrev / gtd);
      gtdPrev = gtd;
      gPrev = g;
      double prevLoss = loss;
      var ls =
          StrongWolfeLineSearch.search(
              f, x, t, d, loss, g, gtd, C1, C2, options.toleranceChange(), 25);
      loss = ls.value();
      g = ls.gradient();
      t = ls.t();
      evals += ls.evaluations();
      LBFGS.axpy(t, d, x);
      if (iter == options.maxIterations()) {
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
}
