package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * AdaDelta (Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012), as {@code
 * torch.optim.Adadelta}. With {@code g = grad + weightDecay * p}:
 *
 * <pre>
 *   s = rho s + (1 - rho) g^2
 *   d = sqrt(u + eps) / sqrt(s + eps) * g
 *   u = rho u + (1 - rho) d^2
 *   p = p - lr d
 * </pre>
 *
 * The ratio of RMS values makes the step unit-consistent; {@code lr} (default 1) only scales it.
 */
public final class AdaDelta extends Optimizer<AdaDelta.Options> {

  /** AdaDelta's hyperparameters; {@link #defaults()} is PyTorch's (lr 1, rho 0.9, eps 1e-6). */
  public record Options(double lr, double rho, double eps, double weightDecay, boolean maximize)
      implements OptimizerOptions<Options> {

    public Options {
      OptionChecks.learningRate("AdaDelta", lr);
      OptionChecks.unit("AdaDelta", "rho", rho);
      OptionChecks.positive("AdaDelta", "eps", eps);
      OptionChecks.nonNegative("AdaDelta", "weightDecay", weightDecay);
    }

    public static Options defaults() {
      return new Options(1.0, 0.9, 1e-6, 0, false);
    }

    @Override
    public Options withLr(double v) {
      return new Options(v, rho, eps, weightDecay, maximize);
    }

    public Options withRho(double v) {
      return new Options(lr, v, eps, weightDecay, maximize);
    }

    public Options withEps(double v) {
      return new Options(lr, rho, v, weightDecay, maximize);
    }

    public Options withWeightDecay(double v) {
      return new Options(lr, rho, eps, v, maximize);
    }

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.adadelta(lr, rho, eps, weightDecay, maximize);
    }
  }

  public AdaDelta(Iterable<Tensor> parameters) {
    this(parameters, Options.defaults());
  }

  /** The defaults with learning rate {@code lr} ({@code torch.optim.AdaDelta(params, lr=lr)}). */
  public AdaDelta(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.defaults().withLr(lr));
  }

  public AdaDelta(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.ADADELTA, single(parameters, options));
  }

  @SafeVarargs
  public AdaDelta(ParameterGroup<Options>... groups) {
    super(OptimizerKind.ADADELTA, List.of(groups));
  }
}
