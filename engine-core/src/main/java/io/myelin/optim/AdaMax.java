package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * AdaMax, the infinity-norm variant of Adam (Kingma and Ba 2015, section 7.1), as {@code
 * torch.optim.Adamax}. With {@code g = grad + weightDecay * p}:
 *
 * <pre>
 *   m = beta1 m + (1 - beta1) g
 *   u = max(beta2 u, |g| + eps)
 *   p = p - lr / (1 - beta1^t) * m / u
 * </pre>
 */
public final class AdaMax extends Optimizer<AdaMax.Options> {

  /** AdaMax's hyperparameters; {@link #defaults()} is PyTorch's (lr 2e-3). */
  public record Options(
      double lr, double beta1, double beta2, double eps, double weightDecay, boolean maximize)
      implements OptimizerOptions<Options> {

    public Options {
      Adam.checkAdam("AdaMax", lr, beta1, beta2, eps, weightDecay);
    }

    public static Options defaults() {
      return new Options(2e-3, 0.9, 0.999, 1e-8, 0, false);
    }

    @Override
    public Options withLr(double v) {
      return new Options(v, beta1, beta2, eps, weightDecay, maximize);
    }

    public Options withBetas(double b1, double b2) {
      return new Options(lr, b1, b2, eps, weightDecay, maximize);
    }

    public Options withEps(double v) {
      return new Options(lr, beta1, beta2, v, weightDecay, maximize);
    }

    public Options withWeightDecay(double v) {
      return new Options(lr, beta1, beta2, eps, v, maximize);
    }

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.adamax(lr, beta1, beta2, eps, weightDecay, maximize);
    }
  }

  public AdaMax(Iterable<Tensor> parameters) {
    this(parameters, Options.defaults());
  }

  /** The defaults with learning rate {@code lr} ({@code torch.optim.AdaMax(params, lr=lr)}). */
  public AdaMax(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.defaults().withLr(lr));
  }

  public AdaMax(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.ADAMAX, single(parameters, options));
  }

  @SafeVarargs
  public AdaMax(ParameterGroup<Options>... groups) {
    super(OptimizerKind.ADAMAX, List.of(groups));
  }
}
