package io.myelin.loss;

import io.myelin.Tensor;

/**
 * Binary cross-entropy on probabilities, as PyTorch's {@code nn.BCELoss}: per element {@code -w (y
 * log p + (1 - y) log(1 - p))}, each log clamped at -100 (as PyTorch) so that p = 0 or 1 gives a
 * finite loss. Default MEAN, no weight.
 *
 * <p>Prefer {@link BCEWithLogitsLoss} on logits: it is stable where the sigmoid saturates. NOTE:
 * where a clamp is active (p below e^-100) this composition passes no gradient, where PyTorch's
 * fused backward gives {@code (p - y) / max(p (1 - p), 1e-12)}; elsewhere they agree.
 *
 * <p>Shapes: input (probabilities in [0, 1]) and target equal; {@code weight} broadcasts to them;
 * result [] (or the input shape for NONE).
 *
 * <pre>{@code
 * Tensor l = new BCELoss().forward(model.forward(x).sigmoid(), labels01);
 * }</pre>
 *
 * @param reduction NONE, MEAN or SUM
 * @param weight per-element rescaling, broadcastable to the input, or null
 */
public record BCELoss(Reduction reduction, Tensor weight) implements Loss {
  /** PyTorch's floor for log(p) and log(1 - p). */
  public static final double LOG_FLOOR = -100;

  public BCELoss {
    Reduction.checkPlain("BCELoss", reduction);
  }

  public BCELoss() {
    this(Reduction.MEAN, null);
  }

  public BCELoss(Reduction reduction) {
    this(reduction, null);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    Targets.checkSameShape("BCELoss", input, target);
    Tensor y = Targets.like(target, input);
    Tensor logP = input.log().clamp(LOG_FLOOR, Double.MAX_VALUE);
    Tensor log1mP = input.rsub(1.0).log().clamp(LOG_FLOOR, Double.MAX_VALUE);
    Tensor l = y.mul(logP).add(y.rsub(1.0).mul(log1mP)).neg();
    if (weight != null) {
      l = l.mul(Targets.like(weight, input));
    }
    return reduction.reduce(l);
  }
}
