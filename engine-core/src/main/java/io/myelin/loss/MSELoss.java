package io.myelin.loss;

import io.myelin.Tensor;

/**
 * Mean squared error, as PyTorch's {@code nn.MSELoss}: per element {@code (x - y)^2}, reduced by
 * {@code reduction} (default MEAN). With {@code half} the result is multiplied by 1/2, the course's
 * convention {@code E = 1/2 sum (y - t)^2} that makes the gradient {@code (x - y)}.
 *
 * <p>Shapes: input and target equal (any shape); result [] (or the input shape for NONE).
 *
 * <pre>{@code
 * Tensor l = new MSELoss().forward(prediction, target);                 // mean((p - t)^2)
 * Tensor e = new MSELoss(Reduction.SUM, true).forward(prediction, target);  // 1/2 sum((p - t)^2)
 * }</pre>
 *
 * @param reduction NONE, MEAN or SUM
 * @param half multiply by 1/2
 */
public record MSELoss(Reduction reduction, boolean half) implements Loss {
  public MSELoss {
    Reduction.checkPlain("MSELoss", reduction);
  }

  /** MEAN, without the 1/2. */
  public MSELoss() {
    this(Reduction.MEAN, false);
  }

  public MSELoss(Reduction reduction) {
    this(reduction, false);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    Targets.checkSameShape("MSELoss", input, target);
    Tensor l = reduction.reduce(input.sub(Targets.like(target, input)).square());
    return half ? l.mul(0.5) : l;
  }
}
