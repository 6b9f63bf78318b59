package io.myelin.loss;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.OpContext;
import io.myelin.backend.CrossEntropyOptions;
import io.myelin.backend.Storage;
import java.util.Arrays;

/**
 * Losses that run as one backend primitive forward and one backward instead of a chain of tensor
 * ops, written as {@link DifferentiableOp}s: {@link #crossEntropy} is {@link
 * io.myelin.backend.Backend#crossEntropy} and its backward, which {@link CrossEntropyLoss} uses
 * for {@code [N, C]} logits (two launches per step on a GPU instead of about fifteen; the same
 * numbers as the composed form within rounding).
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
          "crossEntropy: logits must be [N, C], got " + Arrays.toString(logits.shape()));
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
    return new DifferentiableOp("crossEntropy") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor x = in[0].contiguous();
        Tensor t = in[1].contiguous();
        Tensor w = in[2] == null ? null : in[2].contiguous();
        Tensor rowLoss = Tensor.empty(x.device(), x.dtype(), rows);
        // total[0]: the reduced loss; total[1]: the mean's denominator, read again by the backward.
        Tensor total = Tensor.empty(x.device(), x.dtype(), 2);
        x.storage().backend().crossEntropy(o, x.storage(), x.layout().offset(), t.storage(),
            t.layout().offset(), storage(w), rowLoss.storage(), 0, total.storage(), 0);
        rowLoss.close();
        ctx.save(x, t, w, total);
        return total.narrow(0, 0, 1).reshape();
      }

      // d loss / d logits from the same logits, targets and weights (see the backend's javadoc).
      @Override
      protected Tensor[] backward(OpContext ctx, Tensor g) {
        Tensor x = ctx.saved(0);
        Tensor t = ctx.saved(1);
        Tensor gc = g.contiguous();
        Tensor gx = Tensor.empty(x.device(), x.dtype(), rows, classes);
        x.storage().backend().crossEntropyBackward(o, x.storage(), x.layout().offset(),
            t.storage(), t.layout().offset(), storage(ctx.saved(2)), gc.storage(),
            gc.layout().offset(), false, ctx.saved(3).storage(), 0, gx.storage(), 0);
        return new Tensor[] {gx, null, null};
      }

      @Override
      protected boolean hasDifferentiableBackward() {
        return false; // a backend primitive
      }
    }.apply(logits, target, weight);
  }

  private static Storage storage(Tensor t) {
    return t == null ? null : t.storage();
  }
}
