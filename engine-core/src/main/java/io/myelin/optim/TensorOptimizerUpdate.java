package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.memory.MemoryScope;

/**
 * The update of every {@link OptimizerKind} written with tensor ops: the reference that the fused
 * {@link io.myelin.backend.Backend#optimizerUpdate} primitives are tested against, and what a new
 * backend can run before it has a fused kernel (on any device, in the parameter's dtype).
 *
 * <p>It reads the same inputs as the fused primitive: the constant hyperparameters from {@code h}
 * and the step-dependent coefficients from the scalar block of {@link OptimizerKind#writeScalars}.
 * Each coefficient becomes a scalar tensor of the parameter's dtype (rounded once) and each element
 * operation is one binary tensor op in the order of the kind's formula, so the result is what a
 * kernel doing the formula's operations in the element type gives: the CPU's fused update matches
 * it bit for bit in float32 and float64.
 *
 * <pre>{@code
 * double[] c = new double[OptimizerKind.SCALARS];
 * OptimizerKind.ADAM.writeScalars(h, step, c, 0);
 * TensorOptimizerUpdate.apply(OptimizerKind.ADAM, h, c, 0, param, grad, new Tensor[] {m, v, null});
 * }</pre>
 */
public final class TensorOptimizerUpdate {
  private TensorOptimizerUpdate() {}

  /**
   * Updates {@code p} and the state tensors in place (same shape and dtype as {@code p}; null for
   * the slots {@link OptimizerKind#usesState} rejects), reading {@code g}. Does nothing when the
   * block's {@link OptimizerKind#APPLY} entry is 0.
   */
  public static void apply(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      double[] scalars,
      int offset,
      Tensor p,
      Tensor g,
      Tensor[] state) {
    if (state.length != kind.stateCount()) {
      throw new IllegalArgumentException(
          "TensorOptimizerUpdate: "
              + kind
              + " takes "
              + kind.stateCount()
              + " state tensors, got "
              + state.length);
    }
    for (int i = 0; i < state.length; i++) {
      if (kind.usesState(i, h) && state[i] == null) {
        throw new IllegalArgumentException(
            "TensorOptimizerUpdate: " + kind + " needs state '" + kind.stateName(i) + "'");
      }
    }
    if (scalars[offset + OptimizerKind.APPLY] == 0) {
      return;
    }
    try (var ignored = Autograd.noGrad();
        MemoryScope scope = MemoryScope.open()) {
      Step s = new Step(p, scalars, offset);
      Tensor grad = h.maximize() ? g.neg() : g;
      switch (kind) {
        case SGD -> sgd(s, h, p, grad, state[0]);
        case ADAM -> adam(s, h, p, grad, state[0], state[1], state[2]);
        case ADAMAX -> adamax(s, h, p, grad, state[0], state[1]);
        case NADAM -> nadam(s, h, p, grad, state[0], state[1]);
        case RMSPROP -> rmsprop(s, h, p, grad, state[0], state[1], state[2]);
        case ADAGRAD -> adagrad(s, h, p, grad, state[0]);
        case ADADELTA -> adadelta(s, h, p, grad, state[0], state[1]);
      }
    }
  }

  /** Scalars of the step as tensors of the parameter's dtype and device. */
  private record Step(Tensor like, double[] c, int o) {
    Tensor of(double v) {
      return Tensor.full(like.device(), like.dtype(), v);
    }

    Tensor block(int k) {
      return of(c[o + k]);
    }
  }

  private static void sgd(Step s, OptimizerHyperparameters h, Tensor p, Tensor g, Tensor b) {
    Tensor gi = g.add(p.mul(s.of(h.weightDecay())));
    Tensor mu = s.of(h.momentum());
    if (h.averagedMomentum()) {
      if (h.momentum() != 0) {
        b.assign(b.mul(mu).add(gi.mul(s.of(1 - h.momentum()))));
        gi = b;
      }
      p.assign(p.sub(gi.mul(s.block(4))));
      return;
    }
    if (h.momentum() != 0) {
      boolean first = s.c()[s.o() + 3] != 0;
      b.assign(first ? gi : b.mul(mu).add(gi.mul(s.of(1 - h.dampening()))));
      gi = h.nesterov() ? gi.add(b.mul(mu)) : b;
    }
    p.assign(p.sub(gi.mul(s.block(0))));
  }

  private static void adam(
      Step s, OptimizerHyperparameters h, Tensor p, Tensor g, Tensor m, Tensor v, Tensor vmax) {
    Tensor pi = p.mul(s.block(3));
    Tensor gi = g.add(pi.mul(s.of(h.decoupledWeightDecay() ? 0 : h.weightDecay())));
    m.assign(m.mul(s.of(h.beta1())).add(gi.mul(s.of(1 - h.beta1()))));
    v.assign(v.mul(s.of(h.beta2())).add(gi.mul(s.of(1 - h.beta2())).mul(gi)));
    Tensor vi = v;
    if (h.amsgrad()) {
      vmax.assign(vmax.maximum(v));
      vi = vmax;
    }
    Tensor denom = vi.sqrt().div(s.block(5)).add(s.of(h.eps()));
    p.assign(pi.sub(m.mul(s.block(4)).div(denom)));
  }

  private static void adamax(
      Step s, OptimizerHyperparameters h, Tensor p, Tensor g, Tensor m, Tensor u) {
    Tensor gi = g.add(p.mul(s.of(h.weightDecay())));
    m.assign(m.mul(s.of(h.beta1())).add(gi.mul(s.of(1 - h.beta1()))));
    u.assign(u.mul(s.of(h.beta2())).maximum(gi.abs().add(s.of(h.eps()))));
    p.assign(p.sub(m.mul(s.block(3)).div(u)));
  }

  private static void nadam(
      Step s, OptimizerHyperparameters h, Tensor p, Tensor g, Tensor m, Tensor v) {
    Tensor pi = p.mul(s.block(3));
    Tensor gi = g.add(pi.mul(s.of(h.decoupledWeightDecay() ? 0 : h.weightDecay())));
    m.assign(m.mul(s.of(h.beta1())).add(gi.mul(s.of(1 - h.beta1()))));
    v.assign(v.mul(s.of(h.beta2())).add(gi.mul(s.of(1 - h.beta2())).mul(gi)));
    Tensor d = v.div(s.block(4)).sqrt().add(s.of(h.eps()));
    p.assign(pi.sub(gi.mul(s.block(5)).div(d)).sub(m.mul(s.block(6)).div(d)));
  }

  private static void rmsprop(
      Step s, OptimizerHyperparameters h, Tensor p, Tensor g, Tensor sq, Tensor buf, Tensor ga) {
    Tensor gi = g.add(p.mul(s.of(h.weightDecay())));
    Tensor a = s.of(h.rho());
    Tensor k = s.of(1 - h.rho());
    sq.assign(sq.mul(a).add(gi.mul(k).mul(gi)));
    Tensor avg;
    if (h.centered()) {
      ga.assign(ga.mul(a).add(gi.mul(k)));
      avg = sq.sub(ga.mul(ga)).sqrt().add(s.of(h.eps()));
    } else {
      avg = sq.sqrt().add(s.of(h.eps()));
    }
    if (h.momentum() > 0) {
      buf.assign(buf.mul(s.of(h.momentum())).add(gi.div(avg)));
      p.assign(p.sub(buf.mul(s.block(0))));
    } else {
      p.assign(p.sub(gi.mul(s.block(0)).div(avg)));
    }
  }

  private static void adagrad(Step s, OptimizerHyperparameters h, Tensor p, Tensor g, Tensor sum) {
    Tensor gi = g.add(p.mul(s.of(h.weightDecay())));
    sum.assign(sum.add(gi.mul(gi)));
    p.assign(p.sub(gi.mul(s.block(3)).div(sum.sqrt().add(s.of(h.eps())))));
  }

  private static void adadelta(
      Step s, OptimizerHyperparameters h, Tensor p, Tensor g, Tensor sq, Tensor u) {
    Tensor gi = g.add(p.mul(s.of(h.weightDecay())));
    Tensor rho = s.of(h.rho());
    Tensor k = s.of(1 - h.rho());
    Tensor eps = s.of(h.eps());
    sq.assign(sq.mul(rho).add(gi.mul(k).mul(gi)));
    Tensor d = u.add(eps).sqrt().div(sq.add(eps).sqrt()).mul(gi);
    u.assign(u.mul(rho).add(d.mul(k).mul(d)));
    p.assign(p.sub(d.mul(s.block(0))));
  }
}
