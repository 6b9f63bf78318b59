package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * RMSprop (Hinton, Neural Networks for Machine Learning, lecture 6e; the centered form from Graves,
 * "Generating Sequences with Recurrent Neural Networks", 2013), as {@code torch.optim.RMSprop}.
 * With {@code g = grad + weightDecay * p}:
 *
 * <pre>
 *   s = alpha s + (1 - alpha) g^2
 *   a = sqrt(s) + eps                 centered: ga = alpha ga + (1 - alpha) g; a = sqrt(s - ga^2) + eps
 *   momentum > 0:  b = momentum b + g / a;  p = p - lr b
 *   otherwise:     p = p - lr g / a
 * </pre>
 */
public final class RMSprop extends Optimizer<RMSprop.Options> {

  /** RMSprop's hyperparameters; {@link #defaults()} is PyTorch's (lr 1e-2, alpha 0.99). */
  public record Options(
      double lr,
      double alpha,
      double eps,
      double weightDecay,
      double momentum,
      boolean centered,
      boolean maximize)
      implements OptimizerOptions<Options> {

    public Options {
      OptionChecks.learningRate("RMSprop", lr);
      OptionChecks.unit("RMSprop", "alpha", alpha);
      OptionChecks.positive("RMSprop", "eps", eps);
      OptionChecks.nonNegative("RMSprop", "weightDecay", weightDecay);
      OptionChecks.beta("RMSprop", "momentum", momentum); // from 1 on the buffer never decays
    }

    public static Options defaults() {
      return new Options(1e-2, 0.99, 1e-8, 0, 0, false, false);
    }

    @Override
    public Options withLr(double v) {
      return new Options(v, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public Options withAlpha(double v) {
      return new Options(lr, v, eps, weightDecay, momentum, centered, maximize);
    }

    public Options withEps(double v) {
      return new Options(lr, alpha, v, weightDecay, momentum, centered, maximize);
    }

    public Options withWeightDecay(double v) {
      return new Options(lr, alpha, eps, v, momentum, centered, maximize);
    }

    public Options withMomentum(double v) {
      return new Options(lr, alpha, eps, weightDecay, v, centered, maximize);
    }

    public Options withCentered(boolean v) {
      return new Options(lr, alpha, eps, weightDecay, momentum, v, maximize);
    }

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.rmsprop(
          lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }
  }

  public RMSprop(Iterable<Tensor> parameters) {
    this(parameters, Options.defaults());
  }

  /** The defaults with learning rate {@code lr} ({@code torch.optim.RMSprop(params, lr=lr)}). */
  public RMSprop(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.defaults().withLr(lr));
  }

  public RMSprop(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.RMSPROP, single(parameters, options));
  }

  @SafeVarargs
  public RMSprop(ParameterGroup<Options>... groups) {
    super(OptimizerKind.RMSPROP, List.of(groups));
  }
}
