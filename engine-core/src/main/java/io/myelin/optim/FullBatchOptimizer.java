package io.myelin.optim;

import io.myelin.Tensor;
import java.util.List;

/**
 * Base of the full-batch methods ({@link LBFGS}, {@link ConjugateGradient}), which need the
 * objective as a function they can evaluate several times per step (line searches) and work on the
 * parameters as one vector. They run on the host in float64: the vector lives in a {@code
 * double[]}, and each evaluation copies it into the parameter tensors (through a {@link
 * ParameterVector}), runs the closure on the parameters' device and copies the gradients back. That
 * suits the problems these methods are for (full-batch fits with up to some millions of
 * parameters); the per-element work of a step is O(history x n) on the host.
 *
 * <pre>{@code
 * var lbfgs = new LBFGS(List.of(w1, b1, w2, b2), LBFGS.Options.defaults().withMaxIterations(100));
 * LBFGS.Result r = lbfgs.step(() -> {
 *   Tensor loss = model.forward(x).sub(y).square().mean();
 *   loss.backward();
 *   return loss.item();
 * });
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public abstract class FullBatchOptimizer {
  private final ParameterVector vector;

  /** Recomputes the loss and the gradients of the parameters (gradients are cleared before). */
  @FunctionalInterface
  public interface Closure {
    /** Runs forward and backward on the current parameter values and returns the loss. */
    double evaluate();
  }

  /** Why a run stopped. */
  public enum StopReason {
    /** The largest gradient component fell to the gradient tolerance. */
    GRADIENT_TOLERANCE,
    /** The step or the change of the loss fell below the change tolerance. */
    CHANGE_TOLERANCE,
    /** The direction is no longer one of descent (numerically at a minimum). */
    NO_DESCENT,
    /** The iteration limit was reached. */
    MAX_ITERATIONS,
    /** The function-evaluation limit was reached. */
    MAX_EVALUATIONS
  }

  /**
   * The outcome of one {@code step}/{@code minimize}.
   *
   * @param initialLoss the loss at the starting point (what PyTorch's {@code step} returns)
   * @param loss the loss at the final point
   * @param iterations iterations performed
   * @param evaluations function evaluations performed
   * @param reason why it stopped
   */
  public record Result(
      double initialLoss, double loss, int iterations, int evaluations, StopReason reason) {}

  /** For use on host functions only ({@link #minimize}). */
  protected FullBatchOptimizer() {
    this.vector = null;
  }

  protected FullBatchOptimizer(List<Tensor> parameters) {
    this.vector = new ParameterVector(parameters);
  }

  /**
   * Minimises {@code f} from {@code x}, which is updated in place to the final point. Successive
   * calls on one optimizer continue its state (LBFGS's curvature history), as successive {@code
   * step} calls do in PyTorch.
   */
  public abstract Result minimize(DifferentiableFunction f, double[] x);

  /**
   * Runs one {@link #minimize} over the parameters given at construction, evaluating the loss with
   * {@code closure}, and leaves the parameters at the final point.
   */
  public Result step(Closure closure) {
    if (vector == null) {
      throw new IllegalStateException(
          getClass().getSimpleName() + " was created without parameters; use minimize(f, x)");
    }
    DifferentiableFunction f =
        (x, gradient) -> {
          vector.setValues(x);
          for (Tensor p : vector.parameters()) {
            p.zeroGrad();
          }
          double loss = closure.evaluate();
          double[] g = vector.gradients();
          System.arraycopy(g, 0, gradient, 0, g.length);
          return loss;
        };
    double[] x = vector.values();
    Result r = minimize(f, x);
    vector.setValues(x);
    return r;
  }

  static double maxAbs(double[] v) {
    double m = 0;
    for (double e : v) {
      m = Math.max(m, Math.abs(e));
    }
    return m;
  }

  static double sumAbs(double[] v) {
    double s = 0;
    for (double e : v) {
      s += Math.abs(e);
    }
    return s;
  }
}
