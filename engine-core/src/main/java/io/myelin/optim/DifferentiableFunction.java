package io.myelin.optim;

/**
 * A smooth objective on host vectors for the full-batch optimizers ({@link LBFGS}, {@link
 * ConjugateGradient}): {@code f(x)} and its gradient.
 *
 * <pre>{@code
 * DifferentiableFunction rosenbrock = (x, g) -> {
 *   double a = 1 - x[0], b = x[1] - x[0] * x[0];
 *   g[0] = -2 * a - 400 * x[0] * b;
 *   g[1] = 200 * b;
 *   return a * a + 100 * b * b;
 * };
 * }</pre>
 */
@FunctionalInterface
public interface DifferentiableFunction {

  /**
   * Returns {@code f(x)} and writes {@code grad f(x)} into {@code gradient} (same length as {@code
   * x}, every element overwritten). Must not modify {@code x}.
   */
  double evaluate(double[] x, double[] gradient);
}
