package io.myelin.loss;

import io.myelin.Tensor;
import io.myelin.backend.UnaryOp;

/**
 * Binary cross-entropy on logits, as PyTorch's {@code nn.BCEWithLogitsLoss}: the loss of {@code
 * sigmoid(x)} against {@code y}, computed stably. Without {@code posWeight}, per element {@code
 * max(x, 0) - x y + log(1 + e^-|x|)}, written here as the equal {@code (1 - y) x + softplus(-x)};
 * with {@code posWeight} (the weight of positive examples, broadcast along the last dim) {@code (1
 * - y) x + (1 + (posWeight - 1) y) softplus(-x)}, PyTorch's formula.
 *
 * <p>NOTE: softplus is one backend op whose derivative is the sigmoid, so the gradient is exactly
 * {@code sigmoid(x) - y} (times the weights) everywhere, x = 0 included; the max/abs form would
 * split the gradient at x = 0, where a zero-initialised model starts.
 *
 * <p>Shapes: input (logits) and target (in [0, 1]) equal; result [] (or the input shape for NONE).
 *
 * <pre>{@code
 * Tensor l = new BCEWithLogitsLoss().forward(model.forward(x), labels01);
 * }</pre>
 *
 * @param reduction NONE, MEAN or SUM
 * @param weight per-element rescaling, broadcastable to the input, or null
 * @param posWeight weight of positive examples per class (last dim), or null
 */
public record BCEWithLogitsLoss(Reduction reduction, Tensor weight, Tensor posWeight)
    implements Loss {
  public BCEWithLogitsLoss {
    Reduction.checkPlain("BCEWithLogitsLoss", reduction);
  }

  public BCEWithLogitsLoss() {
    this(Reduction.MEAN, null, null);
  }

  public BCEWithLogitsLoss(Reduction reduction) {
    this(reduction, null, null);
  }

  /** With weight {@code posWeight} for positive examples (e.g. negatives/positives). */
  public static BCEWithLogitsLoss withPosWeight(Tensor posWeight) {
    return new BCEWithLogitsLoss(Reduction.MEAN, null, posWeight);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    Targets.checkSameShape("BCEWithLogitsLoss", input, target);
    Tensor y = Targets.like(target, input);
    Tensor softplusNeg = input.neg().map(UnaryOp.SOFTPLUS); // log(1 + e^-x), stable for all x
    Tensor logWeight =
        posWeight == null
            ? softplusNeg
            : Targets.like(posWeight, input).sub(1.0).mul(y).add(1.0).mul(softplusNeg);
    Tensor l = y.rsub(1.0).mul(input).add(logWeight);
    if (weight != null) {
      l = l.mul(Targets.like(weight, input));
    }
    return reduction.reduce(l);
  }
}
