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
 * io.myelin.backend.Backend#crossEntropy} and its backward, which {@link CrossEntropyLoss} uses for
 * {@code [N, C]} logits (two launches per step on a GPU instead of about fifteen; the same numbers
 * as the composed form within rounding).
 */
public final class FusedLosses {
  private FusedLosses() {}

  /**
   * Cross-entropy of logits {@code [N, C]} against INT32 class indices {@code [N]} or probabilities
   * {@code [N, C]} of the logits' dtype (the backend's contract: class weights, ignore index and
   * label smoothing as PyTorch), reduced to a scalar: the weighted mean when {@code mean}, else the
   * sum. Differentiable with respect to the logits only.
   *
   * <pre>{@code
   * Tensor loss = FusedLosses.crossEntropy(logits, labels, null, -100, 0.0, true);
   * }</pre>
   *
   * @param weight class weights {@code [C]} of the logits' dtype, or null
   * @throws IllegalArgumentException when the shapes or dtypes do not fit that contract
   */
  public static Tensor crossEntropy(
      Tensor logits,
      Tensor target,
      Tensor weight,
      int ignoreIndex,
      double labelSmoothing,
      boolean mean) {
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
    var o =
        new CrossEntropyOptions(rows, classes, probabilities, ignoreIndex, labelSmoothing, mean);
    return new DifferentiableOp("crossEntropy") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor x = in[0].contiguous();
        Tensor t = in[1].contiguous();
        // The backend reads the weights from offset 0: a view into a larger storage is copied.
        Tensor w =
            in[2] == null
                ? null
                : in[2].isContiguous() && in[2].layout().offset() == 0 ? in[2] : in[2].copy();
        Tensor rowLoss = Tensor.empty(x.device(), x.dtype(), rows);
        // total[0]: the reduced loss; total[1]: the mean's denominator, read again by the backward.
        Tensor total = Tensor.empty(x.device(), x.dtype(), 2);
        x.storage()
            .backend()
            .crossEntropy(
                o,
                x.storage(),
                x.layout().offset(),
                t.storage(),
                t.layout().offset(),
                storage(w),
                rowLoss.storage(),
                0,
                total.storage(),
                0);
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
        x.storage()
            .backend()
            .crossEntropyBackward(
                o,
                x.storage(),
                x.layout().offset(),
                t.storage(),
                t.layout().offset(),
                storage(ctx.saved(2)),
                gc.storage(),
                gc.layout().offset(),
                false,
                ctx.saved(3).storage(),
                0,
                gx.storage(),
                0);
        return new Tensor[] {gx, null, null};
      }

      // Tangent: the loss is a scalar, so d loss = sum(G * dx) with G = d loss / d logits (the
      // backward at an upstream gradient of 1).
      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        if (t[1] != null || t[2] != null) {
          throw new UnsupportedOperationException(
              "forward-mode AD: crossEntropy has a tangent"
                  + " rule for the logits only, not for the target or the class weights");
        }
        Tensor x = ctx.saved(0);
        Tensor gradient = backward(ctx, Tensor.onesLike(ctx.saved(3).narrow(0, 0, 1).reshape()))[0];
        return gradient.mul(t[0]).sum();
      }

      // The backward is g G(x) with G_r = (a_r softmax(x_r) - v_r) / D, where loss_r = -sum_c
      // v_rc logp_rc, a_r = sum_c v_rc and D the mean's denominator (see Backend#crossEntropy).
      // Its tangent: dg G + g (a_r / D) s (dx - sum(s dx)), since d softmax = s (dx - sum(s dx)).
      @Override
      protected Tensor[] backwardTangent(
          OpContext ctx, Tensor g, Tensor[] grads, Tensor tg, Tensor[] inputTangents) {
        Tensor x = ctx.saved(0);
        Tensor dgx = null;
        if (tg != null) {
          Tensor unit = backward(ctx, Tensor.onesLike(g))[0];
          dgx = unit.mul(tg);
        }
        Tensor dx = inputTangents[0];
        if (dx != null) {
          Tensor s = x.softmax(1);
          Tensor hv =
              s.mul(dx.sub(s.mul(dx).sum(1, true)))
                  .mul(rowWeights(ctx.saved(1), ctx.saved(2), x).unsqueeze(1));
          if (mean) {
            hv = hv.div(ctx.saved(3).narrow(0, 1, 1));
          }
          hv = hv.mul(g);
          dgx = dgx == null ? hv : dgx.add(hv);
        }
        return new Tensor[] {dgx, null, null};
      }

      /** a_r = sum_c v_rc per row: the factor of the softmax Jacobian in row r's Hessian. */
      private Tensor rowWeights(Tensor t, Tensor w, Tensor x) {
        Tensor weights = w == null ? Tensor.onesLike(x.narrow(0, 0, 1)) : w.reshape(1, classes);
        double e = labelSmoothing;
        if (probabilities) {
          return t.mul(1 - e).add(e / classes).mul(weights).sum(1, false);
        }
        Tensor labels = t.to(x.dtype()).reshape(rows, 1);
        Tensor classIds = Tensor.arange(classes).to(x.device()).to(x.dtype()).reshape(1, classes);
        Tensor oneHot = labels.eq(classIds);
        Tensor valid = labels.ne(ignoreIndex).reshape(rows);
        Tensor perClass = oneHot.mul(1 - e).add(e / classes).mul(weights);
        return perClass.sum(1, false).mul(valid);
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
