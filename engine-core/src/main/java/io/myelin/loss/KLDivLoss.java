package io.myelin.loss;

import io.myelin.Tensor;

/**
 * Kullback-Leibler divergence, as PyTorch's {@code nn.KLDivLoss}: the input holds log-probabilities
 * {@code log q}, the target probabilities {@code p} (or log-probabilities with {@code logTarget});
 * per element {@code p (log p - log q)}, taken as {@code -p log q} where p = 0 (PyTorch's xlogy).
 * {@link Reduction#BATCHMEAN} (sum / batch size) gives the true KL per sample; MEAN (PyTorch's
 * default, kept here) averages over every element, which is the KL divided by the number of classes
 * as well.
 *
 * <p>Shapes: input and target equal, batch first; result [] (or the input shape for NONE).
 *
 * <pre>{@code
 * Tensor kl = new KLDivLoss(Reduction.BATCHMEAN, false).forward(logits.logSoftmax(1), teacherProbs);
 * }</pre>
 *
 * @param reduction NONE, MEAN, SUM or BATCHMEAN
 * @param logTarget the target is given as log-probabilities
 */
public record KLDivLoss(Reduction reduction, boolean logTarget) implements Loss {
  public KLDivLoss {
    if (reduction == null) {
      throw new IllegalArgumentException("KLDivLoss: reduction must not be null");
    }
  }

  /** PyTorch's defaults: MEAN, probabilities as target. */
  public KLDivLoss() {
    this(Reduction.MEAN, false);
  }

  public KLDivLoss(Reduction reduction) {
    this(reduction, false);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    Targets.checkSameShape("KLDivLoss", input, target);
    Tensor t = Targets.like(target, input);
    Tensor pointwise;
    if (logTarget) {
      pointwise = t.exp().mul(t.sub(input));
    } else {
      // xlogy(p, p): log of 1 where p <= 0 keeps 0 * log 0 out of the graph (it would be NaN).
      Tensor positive = t.gt(0.0);
      Tensor safe = Tensor.where(positive, t, Tensor.onesLike(t));
      pointwise = t.mul(safe.log()).sub(t.mul(input));
    }
    return reduction.reduce(pointwise);
  }
}
