package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * NAdam, Adam with Nesterov momentum (Dozat, "Incorporating Nesterov Momentum into Adam", 2016), as
 * {@code torch.optim.NAdam} with its momentum schedule {@code mu_t = beta1 (1 - 0.5 * 0.96^(t *
 * momentumDecay))}. With {@code g = grad + weightDecay * p} (or decoupled decay {@code p = p (1 -
 * lr * weightDecay)}, NAdamW), {@code P_t = mu_1 ... mu_t}:
 *
 * <pre>
 *   m = beta1 m + (1 - beta1) g
 *   v = beta2 v + (1 - beta2) g^2
 *   d = sqrt(v / (1 - beta2^t)) + eps
 *   p = p - lr (1 - mu_t) / (1 - P_t) * g / d - lr mu_(t+1) / (1 - P_t mu_(t+1)) * m / d
 * </pre>
 *
 * The product {@code P_t} has no closed form; the optimizer keeps it per parameter (it is in the
 * state dict) and hands it to the fused update.
 */
public final class NAdam extends Optimizer<NAdam.Options> {

  /** NAdam's hyperparameters; {@link #defaults()} is PyTorch's (lr 2e-3, momentum decay 4e-3). */
  public record Options(
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      double momentumDecay,
      boolean decoupledWeightDecay,
      boolean maximize)
      implements OptimizerOptions<Options> {

    public Options {
      Adam.checkAdam("NAdam", lr, beta1, beta2, eps, weightDecay);
      OptionChecks.nonNegative("NAdam", "momentumDecay", momentumDecay);
    }

    public static Options defaults() {
      return new Options(2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, false, false);
    }

    @Override
    public Options withLr(double v) {
      return new Options(
          v, beta1, beta2, eps, weightDecay, momentumDecay, decoupledWeightDecay, maximize);
    }

    public Options withBetas(double b1, double b2) {
      return new Options(
          lr, b1, b2, eps, weightDecay, momentumDecay, decoupledWeightDecay, maximize);
    }

    public Options withEps(double v) {
      return new Options(
          lr, beta1, beta2, v, weightDecay, momentumDecay, decoupledWeightDecay, maximize);
    }

    /** L2 weight decay; {@code decoupled} selects NAdamW's direct shrinking. */
    public Options withWeightDecay(double v, boolean decoupled) {
      return new Options(lr, beta1, beta2, eps, v, momentumDecay, decoupled, maximize);
    }

    public Options withMomentumDecay(double v) {
      return new Options(lr, beta1, beta2, eps, weightDecay, v, decoupledWeightDecay, maximize);
    }

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.nadam(
          lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, momentumDecay, 1.0, maximize);
    }
  }

  public NAdam(Iterable<Tensor> parameters) {
    this(parameters, Options.defaults());
  }

  /** The defaults with learning rate {@code lr} ({@code torch.optim.NAdam(params, lr=lr)}). */
  public NAdam(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.defaults().withLr(lr));
  }

  public NAdam(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.NADAM, single(parameters, options));
  }

  @SafeVarargs
  public NAdam(ParameterGroup<Options>... groups) {
    super(OptimizerKind.NADAM, List.of(groups));
  }
}
