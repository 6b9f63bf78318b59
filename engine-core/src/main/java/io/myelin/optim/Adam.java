package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2015), optionally with AMSGrad
 * (Reddi, Kale and Kumar, "On the Convergence of Adam and Beyond", 2018), as {@code
 * torch.optim.Adam}. With {@code g = grad + weightDecay * p}:
 *
 * <pre>
 *   m = beta1 m + (1 - beta1) g
 *   v = beta2 v + (1 - beta2) g^2
 *   vmax = max(vmax, v)                                         (AMSGrad)
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * Weight decay here is an L2 penalty inside the adaptive step; for decoupled decay use {@link
 * AdamW}.
 */
public final class Adam extends Optimizer<Adam.Options> {

  /**
   * Adam's hyperparameters; {@link #defaults()} is PyTorch's (lr 1e-3, betas 0.9/0.999, eps 1e-8).
   */
  public record Options(
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean amsgrad,
      boolean maximize)
      implements OptimizerOptions<Options> {

    public Options {
      checkAdam("Adam", lr, beta1, beta2, eps, weightDecay);
    }

    public static Options defaults() {
      return new Options(1e-3, 0.9, 0.999, 1e-8, 0, false, false);
    }

    @Override
    public Options withLr(double v) {
      return new Options(v, beta1, beta2, eps, weightDecay, amsgrad, maximize);
    }

    public Options withBetas(double b1, double b2) {
      return new Options(lr, b1, b2, eps, weightDecay, amsgrad, maximize);
    }

    public Options withEps(double v) {
      return new Options(lr, beta1, beta2, v, weightDecay, amsgrad, maximize);
    }

    public Options withWeightDecay(double v) {
      return new Options(lr, beta1, beta2, eps, v, amsgrad, maximize);
    }

    public Options withAmsgrad(boolean v) {
      return new Options(lr, beta1, beta2, eps, weightDecay, v, maximize);
    }

    public Options withMaximize(boolean v) {
      return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, v);
    }

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.adam(
          lr, beta1, beta2, eps, weightDecay, false, amsgrad, maximize);
    }
  }

  /** The checks the Adam family shares. */
  static void checkAdam(
      String name, double lr, double beta1, double beta2, double eps, double weightDecay) {
    OptionChecks.learningRate(name, lr);
    OptionChecks.beta(name, "beta1", beta1);
    OptionChecks.beta(name, "beta2", beta2);
    OptionChecks.positive(name, "eps", eps);
    OptionChecks.nonNegative(name, "weightDecay", weightDecay);
  }

  public Adam(Iterable<Tensor> parameters) {
    this(parameters, Options.defaults());
  }

  /** The defaults with learning rate {@code lr} ({@code torch.optim.Adam(params, lr=lr)}). */
  public Adam(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.defaults().withLr(lr));
  }

  public Adam(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.ADAM, single(parameters, options));
  }

  @SafeVarargs
  public Adam(ParameterGroup<Options>... groups) {
    super(OptimizerKind.ADAM, List.of(groups));
  }
}
