package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * Stochastic gradient descent with momentum, in PyTorch's form ({@code torch.optim.SGD}) or in the
 * exponentially-weighted-average form of Ng's deep-learning course.
 *
 * <p>PyTorch form, with {@code g = grad + weightDecay * p}:
 *
 * <pre>
 *   b = (t == 1) ? g : momentum * b + (1 - dampening) * g
 *   p = p - lr * (nesterov ? g + momentum * b : b)          (p = p - lr * g without momentum)
 * </pre>
 *
 * Averaged form ({@link Options#averaged}), {@code beta = momentum}:
 *
 * <pre>
 *   v = beta * v + (1 - beta) * g,   v_0 = 0
 *   p = p - lr * (biasCorrection ? v / (1 - beta^t) : v)
 * </pre>
 *
 * The bias correction undoes the pull of {@code v_0 = 0} towards zero in the first steps: with beta
 * = 0.9 and gradients 0.81, 0.9, 0.96, 0.34 the averages are 0.081, 0.1629, 0.24261, 0.252349 and
 * the corrected steps 0.81, 0.85737, 0.89524, 0.73379.
 *
 * <pre>{@code
 * var opt = new SGD(params, SGD.Options.of(0.1).withMomentum(0.9).withNesterov(true));
 * }</pre>
 */
public final class SGD extends Optimizer<SGD.Options> {

  /**
   * SGD's hyperparameters; {@link #of} gives PyTorch's defaults (no momentum, no decay).
   *
   * @param lr learning rate, >= 0
   * @param momentum PyTorch's momentum factor in [0, 1), or beta in [0, 1) of the averaged form
   * @param dampening dampening of the PyTorch form, in [0, 1]
   * @param nesterov Nesterov momentum (PyTorch form; needs momentum > 0 and dampening 0)
   * @param weightDecay L2 penalty, >= 0
   * @param averaged use the exponentially-weighted-average form
   * @param biasCorrection averaged form: divide by {@code 1 - beta^t}
   * @param maximize ascend the objective
   */
  public record Options(
      double lr,
      double momentum,
      double dampening,
      boolean nesterov,
      double weightDecay,
      boolean averaged,
      boolean biasCorrection,
      boolean maximize)
      implements OptimizerOptions<Options> {

    public Options {
      OptionChecks.learningRate("SGD", lr);
      // PyTorch accepts any momentum >= 0, but from 1 on the buffer never forgets: the steps
      // grow without bound, so it is refused as the issue on invalid hyperparameters asks.
      OptionChecks.beta("SGD", "momentum", momentum);
      OptionChecks.unit("SGD", "dampening", dampening);
      OptionChecks.nonNegative("SGD", "weightDecay", weightDecay);
      if (nesterov && (momentum <= 0 || dampening != 0)) {
        throw new IllegalArgumentException(
            "SGD: nesterov needs momentum > 0 and dampening 0, got momentum "
                + momentum
                + " and dampening "
                + dampening);
      }
      if (averaged) {
        if (nesterov) {
          throw new IllegalArgumentException("SGD: nesterov is not defined for the averaged form");
        }
      } else if (biasCorrection) {
        throw new IllegalArgumentException(
            "SGD: biasCorrection applies to the averaged form only (use Options.averaged)");
      }
    }

    /** Plain SGD with learning rate {@code lr}. */
    public static Options of(double lr) {
      return new Options(lr, 0, 0, false, 0, false, false, false);
    }

    /** The averaged form {@code v = beta v + (1 - beta) g}, optionally bias-corrected. */
    public static Options averaged(double lr, double beta, boolean biasCorrection) {
      return new Options(lr, beta, 0, false, 0, true, biasCorrection, false);
    }

    @Override
    public Options withLr(double v) {
      return new Options(
          v, momentum, dampening, nesterov, weightDecay, averaged, biasCorrection, maximize);
    }

    public Options withMomentum(double v) {
      return new Options(
          lr, v, dampening, nesterov, weightDecay, averaged, biasCorrection, maximize);
    }

    public Options withDampening(double v) {
      return new Options(
          lr, momentum, v, nesterov, weightDecay, averaged, biasCorrection, maximize);
    }

    public Options withNesterov(boolean v) {
      return new Options(
          lr, momentum, dampening, v, weightDecay, averaged, biasCorrection, maximize);
    }

    public Options withWeightDecay(double v) {
      return new Options(lr, momentum, dampening, nesterov, v, averaged, biasCorrection, maximize);
    }

    public Options withMaximize(boolean v) {
      return new Options(
          lr, momentum, dampening, nesterov, weightDecay, averaged, biasCorrection, v);
    }

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.sgd(
          lr, momentum, dampening, nesterov, averaged, biasCorrection, weightDecay, maximize);
    }
  }

  /** Plain SGD with learning rate {@code lr} ({@code torch.optim.SGD(params, lr=lr)}). */
  public SGD(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.of(lr));
  }

  public SGD(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.SGD, single(parameters, options));
  }

  @SafeVarargs
  public SGD(ParameterGroup<Options>... groups) {
    super(OptimizerKind.SGD, List.of(groups));
  }
}
