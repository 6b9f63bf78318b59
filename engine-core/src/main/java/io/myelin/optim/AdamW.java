package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.util.List;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", 2019), as {@code torch.optim.AdamW}. The decay shrinks the parameter directly,
 * {@code p = p * (1 - lr * weightDecay)}, before the Adam step on the raw gradient (see {@link
 * Adam}), so it is not rescaled by the adaptive denominator.
 */
public final class AdamW extends Optimizer<AdamW.Options> {

  /** AdamW's hyperparameters; {@link #defaults()} is PyTorch's (weight decay 1e-2). */
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
      Adam.checkAdam("AdamW", lr, beta1, beta2, eps, weightDecay);
    }

    public static Options defaults() {
      return new Options(1e-3, 0.9, 0.999, 1e-8, 1e-2, false, false);
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

    @Override
    public OptimizerHyperparameters hyperparameters() {
      return OptimizerHyperparameters.adam(
          lr, beta1, beta2, eps, weightDecay, true, amsgrad, maximize);
    }
  }

  public AdamW(Iterable<Tensor> parameters) {
    this(parameters, Options.defaults());
  }

  /** The defaults with learning rate {@code lr} ({@code torch.optim.AdamW(params, lr=lr)}). */
  public AdamW(Iterable<Tensor> parameters, double lr) {
    this(parameters, Options.defaults().withLr(lr));
  }

  public AdamW(Iterable<Tensor> parameters, Options options) {
    super(OptimizerKind.ADAM, single(parameters, options));
  }

  @SafeVarargs
  public AdamW(ParameterGroup<Options>... groups) {
    super(OptimizerKind.ADAM, List.of(groups));
  }
}
