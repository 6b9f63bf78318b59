package io.myelin;

import io.myelin.backend.CrossEntropyOptions;
import io.myelin.backend.Storage;

/**
 * Losses that run as one backend primitive forward and one backward instead of a chain of tensor
 * ops: {@link #crossEntropy} is {@link io.myelin.backend.Backend#crossEntropy} and its backward,
 * which {@link io.myelin.loss.CrossEntropyLoss} uses for {@code [N, C]} logits (two launches per
 * step on a GPU instead of about fifteen; the same numbers as the composed form within rounding).
 */
public final class FusedLosses {
  private FusedLosses() {}

  /**
   * Cross-entropy of logits {@code [N, C]} against INT32 class indices {@code [N]} or
   * probabilities {@code [N, C]} of the logits' dtype (the backend's contract: class weights,
   * ignore index and label smoothing as PyTorch), reduced to a scalar: the weighted mean when
   * {@code mean}, else the sum. Differentiable with respect to the logits only.
   *
   * <pre>{@code
   * Tensor loss = FusedLosses.crossEntropy(logits, labels, null, -100, 0.0, true);
   * }</pre>
   *
   * @param weight class weights {@code [C]} of the logits' dtype, or null
   * @throws IllegalArgumentException when the shapes or dtypes do not fit that contract
   */
  public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, int ignoreIndex,
      double labelSmoothing, boolean mean) {
    if (logits.rank() != 2) {
      throw new IllegalArgumentException(
          "crossEntropy: logits must be [N, C], got " + Shapes.str(logits.shape()));
    }
    if (target.requiresGrad() || (weight != null && weight.requiresGrad())) {
      throw new IllegalArgumentException(
          "crossEntropy: the fused form differentiates the logits only; target and weight must"
              + " not require grad");
    }
    int rows = logits.size(0);
    int classes = logits.size(1);
    boolean probabilities = target.dtype() != DType.INT32;
    var o = new CrossEntropyOptions(
        rows, classes, probabilities, ignoreIndex, labelSmoothing, mean);
    Tensor x = logits.contiguous();
    Tensor t = target.contiguous();
    Tensor w = weight == null ? null : weight.contiguous();
    Tensor rowLoss = Tensor.empty(logits.device(), logits.dtype(), rows);
    // total[0]: the reduced loss; total[1]: the mean's denominator, read again by the backward.
    Tensor total = Tensor.empty(logits.device(), logits.dtype(), 2);
    logits.backend().crossEntropy(o, x.storage(), x.layout().offset(), t.storage(),
        t.layout().offset(), storage(w), rowLoss.storage(), 0, total.storage(), 0);
    rowLoss.close();
    Tensor out;
    try (var ignored = io.myelin.autograd.Autograd.noGrad()) {
      out = total.narrow(0, 0, 1).reshape();
    }
    // d loss / d logits from the same logits, targets and weights (see the backend's javadoc).
    return Tensor.record("crossEntropy", out, g -> {
      Tensor gc = g.contiguous();
      Tensor gx = Tensor.empty(x.device(), x.dtype(), rows, classes);
      x.backend().crossEntropyBackward(o, x.storage(), x.layout().offset(), t.storage(),
          t.layout().offset(), storage(w), gc.storage(), gc.layout().offset(), false,
          total.storage(), 0, gx.storage(), 0);
      return new Tensor[] {gx, null, null};
    }, logits, target, weight);
  }

  private static Storage storage(Tensor t) {
    return t == null ? null : t.storage();
  }
}
