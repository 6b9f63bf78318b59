package io.myelin.loss;

import io.myelin.Tensor;

/**
 * Mean absolute error, as PyTorch's {@code nn.L1Loss}: per element {@code |x - y|}, reduced by
 * {@code reduction} (default MEAN). The gradient is {@code sign(x - y)}, 0 where x == y.
 *
 * <p>Shapes: input and target equal; result [] (or the input shape for NONE).
 *
 * <pre>{@code
 * Tensor l = new L1Loss().forward(prediction, target);
 * }</pre>
 *
 * @param reduction NONE, MEAN or SUM
 */
public record L1Loss(Reduction reduction) implements Loss {
  public L1Loss {
    Reduction.checkPlain("L1Loss", reduction);
  }

  public L1Loss() {
    this(Reduction.MEAN);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    Targets.checkSameShape("L1Loss", input, target);
    return reduction.reduce(input.sub(Targets.like(target, input)).abs());
  }
}
