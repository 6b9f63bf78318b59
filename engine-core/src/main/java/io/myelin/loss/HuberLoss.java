package io.myelin.loss;

import io.myelin.Tensor;

/**
 * Huber loss, as PyTorch's {@code nn.HuberLoss(delta)}: with {@code d = x - y}, per element {@code
 * 0.5 d^2} where {@code |d| < delta} and {@code delta (|d| - 0.5 delta)} elsewhere: quadratic near
 * the target, linear (robust to outliers) far from it. Default delta 1, MEAN.
 *
 * <p>Shapes: input and target equal; result [] (or the input shape for NONE).
 *
 * <pre>{@code
 * Tensor l = new HuberLoss(0.5).forward(prediction, target);
 * }</pre>
 *
 * @param delta the switch point, > 0
 * @param reduction NONE, MEAN or SUM
 */
public record HuberLoss(double delta, Reduction reduction) implements Loss {
  public HuberLoss {
    if (!(delta > 0) || !Double.isFinite(delta)) {
      throw new IllegalArgumentException("HuberLoss: delta must be finite and > 0, got " + delta);
    }
    Reduction.checkPlain("HuberLoss", reduction);
  }

  public HuberLoss() {
    this(1.0, Reduction.MEAN);
  }

  public HuberLoss(double delta) {
    this(delta, Reduction.MEAN);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    Targets.checkSameShape("HuberLoss", input, target);
    Tensor d = input.sub(Targets.like(target, input));
    Tensor abs = d.abs();
    // where() sends each element's gradient through the branch it took, as PyTorch's backward.
    Tensor quadratic = d.square().mul(0.5);
    Tensor linear = abs.sub(0.5 * delta).mul(delta);
    return reduction.reduce(Tensor.where(abs.lt(delta), quadratic, linear));
  }
}
