package io.myelin.loss;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.ForwardAD;
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
   * sum. Differentiable with respect to the logits only in reverse mode, twice too (a gradient
   * taken with createGraph runs a tensor-op backward; ordinary training the fused one); forward
   * mode also takes tangents of probability targets and of the class weights (a jvp of the loss),
   * but forward over reverse (hvp) only those of the logits.
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

      // d loss / d logits from the same logits, targets and weights (see the backend's javadoc);
      // with tensor ops when the gradient must be differentiable again (createGraph, or tangents
      // propagated: forward over reverse), else the backend primitive (ordinary training).
      @Override
      protected Tensor[] backward(OpContext ctx, Tensor g) {
        if (Autograd.isGradEnabled() || ForwardAD.isPropagating()) {
          return new Tensor[] {differentiableGradient(ctx, g), null, null};
        }
        return new Tensor[] {fusedGradient(ctx, g), null, null};
      }

      private Tensor fusedGradient(OpContext ctx, Tensor g) {
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
        return gx;
      }

      /**
       * {@code g (a_r softmax(x_r) - u_r) / D} with tensor ops, differentiable in the logits and in
       * g: {@code u_rc = w_c v_rc} ({@code v} the smoothed target distribution, zero on ignored
       * rows), {@code a_r = sum_c u_rc} and D the mean's denominator saved by the forward (1 for
       * the sum). Tangents of probability targets or class weights are refused: D is a constant
       * here, which is wrong for the weighted mean.
       */
      private Tensor differentiableGradient(OpContext ctx, Tensor g) {
        if (ForwardAD.tangentOf(target) != null
            || (weight != null && ForwardAD.tangentOf(weight) != null)) {
          throw new UnsupportedOperationException(
              "forward-mode AD over the backward of 'crossEntropy' (a Hessian-vector product,"
                  + " jacfwd of a gradient): tangents of the targets or class weights are not"
                  + " supported there, only of the logits");
        }
        Tensor u;
        try (var ignored = Autograd.noGrad();
            var suspended = ForwardAD.suspend()) {
          u = targetWeights(ctx.saved(1), ctx.saved(2), ctx.saved(0));
        }
        Tensor gradient = logits.softmax(1).mul(u.sum(1, true)).sub(u);
        if (mean) {
          gradient = gradient.div(ctx.saved(3).narrow(0, 1, 1));
        }
        return gradient.mul(g);
      }

      /** u_rc = w_c v_rc: each class's weight in row r's loss (zero rows where ignored). */
      private Tensor targetWeights(Tensor t, Tensor w, Tensor x) {
        double e = labelSmoothing;
        Tensor v;
        if (probabilities) {
          v = t.mul(1 - e).add(e / classes);
        } else {
          Tensor labels = t.to(x.dtype()).reshape(rows, 1);
          Tensor classIds = Tensor.arange(classes).to(x.device()).to(x.dtype()).reshape(1, classes);
          v = labels.eq(classIds).mul(1 - e).add(e / classes).mul(labels.ne(ignoreIndex));
        }
        return w == null ? v : v.mul(w.reshape(1, classes));
      }

      // Tangent: the loss is a scalar, so its part from the logits is sum(G * dx) with G = d loss
      // / d logits (the backward at an upstream gradient of 1); the parts from probability
      // targets and class weights are targetAndWeightTangent's.
      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        Tensor dl = null;
        if (t[0] != null) {
          Tensor gradient =
              fusedGradient(ctx, Tensor.onesLike(ctx.saved(3).narrow(0, 0, 1).reshape()));
          dl = gradient.mul(t[0]).sum();
        }
        if (t[1] != null || t[2] != null) {
          Tensor part = targetAndWeightTangent(ctx, t[1], t[2]);
          dl = dl == null ? part : dl.add(part);
        }
        return dl;
      }

      /**
       * With {@code loss_r = -sum_c w_c v_rc logp_rc} ({@code v_rc = (1 - e) t_rc + e / C} for
       * probabilities, {@code ((1 - e) [c == y_r] + e / C) [y_r != ignore]} for class indices), the
       * sum {@code S = sum_r loss_r} moves by {@code -sum w v' logp - sum w' v logp}; the mean
       * {@code S / D} (D = rows for probabilities, {@code sum_r w[y_r]} over kept rows for indices)
       * by {@code (dS - mean dD) / D}.
       */
      private Tensor targetAndWeightTangent(OpContext ctx, Tensor dt, Tensor dw) {
        Tensor x = ctx.saved(0);
        Tensor w = ctx.saved(2) == null ? null : ctx.saved(2).reshape(1, classes);
        Tensor logp = x.logSoftmax(1);
        double e = labelSmoothing;
        Tensor ds = null;
        if (dt != null) { // probabilities only: integer targets carry no tangent
          Tensor term = dt.mul(1 - e).mul(logp);
          ds = (w == null ? term : term.mul(w)).sum().neg();
        }
        Tensor dd = null;
        if (dw != null) {
          Tensor v;
          if (probabilities) {
            v = ctx.saved(1).mul(1 - e).add(e / classes);
          } else {
            Tensor labels = ctx.saved(1).to(x.dtype()).reshape(rows, 1);
            Tensor classIds =
                Tensor.arange(classes).to(x.device()).to(x.dtype()).reshape(1, classes);
            Tensor kept = labels.eq(classIds).mul(labels.ne(ignoreIndex));
            v = labels.eq(classIds).mul(1 - e).add(e / classes).mul(labels.ne(ignoreIndex));
            dd = kept.mul(dw.reshape(1, classes)).sum();
          }
          Tensor term = v.mul(logp).mul(dw.reshape(1, classes)).sum().neg();
          ds = ds == null ? term : ds.add(term);
        }
        if (!mean) {
          return ds;
        }
        Tensor total = ctx.saved(3);
        Tensor denominator = total.narrow(0, 1, 1).reshape();
        Tensor numerator = dd == null ? ds : ds.sub(dd.mul(total.narrow(0, 0, 1).reshape()));
        return numerator.div(denominator);
      }
    }.apply(logits, target, weight);
  }

  private static Storage storage(Tensor t) {
    return t == null ? null : t.storage();
  }
}
