package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * AdaGrad (Duchi, Hazan and Singer, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization", JMLR 2011), as {@code torch.optim.Adagrad}. With {@code g = grad +
 * weightDecay * p} and {@code s} starting at {@code initialAccumulatorValue}:
 *
 * <pre>
 *   s = s + g^2
 *   p = p - lr / (1 + (t - 1) lrDecay) * g / (sqrt(s) + eps)
 * </pre>
 */
public final class AdaGrad extends Optimizer<AdaGrad.Options> {

  /** AdaGrad's hyperparameters; {@link #defaults()} is PyTorch's (lr 1e-2, eps 1e-10). */
  public record Options(
      double lr,
      double lrDecay,
      double weightDecay,
      double initialAccumulatorValue,
      double eps,
      boolean maximize)
      implements OptimizerOptions<Options> {

    public Options {
      OptionChecks.learningRate("AdaGrad", lr);
      OptionChecks.nonNegative("AdaGrad", "lrDecay", lrDecay);
      OptionChecks.nonNegative("AdaGrad", "weightDecay", weightDecay);
      OptionChecks.nonNegative("AdaGrad", "initialAccumulatorValue", initialAccumulatorValue);
      OptionChecks.positive("AdaGrad", "eps", eps);
    }

    public static Options defaults() {
      return new Options(1e-2, 0, 0, 0, 1e-10, false);
    }

    @Override
    public Options withLr(double v) {
      return new Options(v, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public Options withLrDecay(double v) {
      return new Options(lr, v, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public Options withWeightDecay(double v) {
      return new Options(lr, lrDecay, v, initialAccumulatorValue, eps, maximize);
    }

    public Options withInitialAccumulatorValue(double v) {
      return new Options(lr, lrDecay, weightDecay, v, eps, maximize);
    }

    public Options withEps(double v) {
      return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, v, maximize);
    }

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.adagrad(
          lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }
  }

  public AdaGrad(Iterable<Tensor> parameters) {
    this(parameters, Options.defaults());
  }

  /** The defaults with learning rate {@code lr} ({@code torch.optim.AdaGrad(params, lr=lr)}). */
  public AdaGrad(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.defaults().withLr(lr));
  }

  public AdaGrad(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.ADAGRAD, single(parameters, options));
  }

  @SafeVarargs
  public AdaGrad(ParameterGroup<Options>... groups) {
    super(OptimizerKind.ADAGRAD, List.of(groups));
  }
}
