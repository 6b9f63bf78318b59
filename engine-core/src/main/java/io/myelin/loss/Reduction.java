package io.myelin.loss;

import io.myelin.Tensor;

/**
 * How a loss turns per-element losses into its result, as PyTorch's {@code reduction} argument.
 * {@link #BATCHMEAN} (sum divided by the batch size) is accepted by {@link KLDivLoss} only.
 */
public enum Reduction {
  /** The per-element losses, same shape as the input (or the batch shape for class losses). */
  NONE,
  /** Their mean (shape []). */
  MEAN,
  /** Their sum (shape []). */
  SUM,
  /** Their sum divided by {@code input.size(0)} (KL divergence only). */
  BATCHMEAN;

  /** Applies NONE, MEAN or SUM to {@code losses}. */
  Tensor reduce(Tensor losses) {
    return switch (this) {
      case NONE -> losses;
      case MEAN -> losses.mean();
      case SUM -> losses.sum();
      case BATCHMEAN -> losses.sum().div(Math.max(1, losses.rank() == 0 ? 1 : losses.size(0)));
    };
  }

  /** Rejects BATCHMEAN for losses other than KL divergence. */
  static Reduction checkPlain(String loss, Reduction r) {
    if (r == null) {
      throw new IllegalArgumentException(loss + ": reduction must not be null");
    }
    if (r == BATCHMEAN) {
      throw new IllegalArgumentException(
          loss + ": reduction BATCHMEAN is only for KLDivLoss; use MEAN, SUM or NONE");
    }
    return r;
  }
}
