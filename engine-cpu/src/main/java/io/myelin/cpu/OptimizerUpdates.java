package io.myelin.cpu;

import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;

/**
 * The CPU's fused optimizer updates, one method per {@link OptimizerKind}, written once for both
 * precisions over {@link OptimizerElements} (element arithmetic in the parameter's precision) and
 * each over the element range {@code [from, to)}. The step-dependent coefficients come from the
 * scalar block of {@link OptimizerKind#writeScalars} ({@code c} at {@code o}), the same values
 * every backend reads; the constant hyperparameters come from {@code h}. Each coefficient is
 * rounded to the element type once. The hottest float32 loops (Adam without AMSGrad, plain and
 * heavy-ball SGD) first run a FloatVector body ({@link OptimizerVectors}) that does the same float
 * operations in the same order, so every element gets the same bits either way.
 *
 * <p>Stateless and thread-safe; elements are independent, so any split gives the same bits.
 */
final class OptimizerUpdates {
  private OptimizerUpdates() {}

  /** The gradient with {@code maximize} applied (negation is exact). */
  private static double grad(OptimizerElements g, int i, boolean neg) {
    double gi = g.get(i);
    return neg ? -gi : gi;
  }

  static void sgd(
      OptimizerHyperparameters h,
      double[] c,
      int o,
      OptimizerElements p,
      OptimizerElements g,
      OptimizerElements b,
      int from,
      int to) {
    boolean neg = h.maximize();
    double wd = p.r(h.weightDecay());
    double mu = p.r(h.momentum());
    if (h.averagedMomentum()) {
      double step = p.r(c[o + 4]);
      double keep = p.r(1 - h.momentum());
      for (int i = from; i < to; i++) {
        double gi = p.add(grad(g, i, neg), p.mul(wd, p.get(i)));
        if (mu != 0) {
          b.set(i, p.add(p.mul(mu, b.get(i)), p.mul(keep, gi)));
          gi = b.get(i);
        }
        p.set(i, p.sub(p.get(i), p.mul(step, gi)));
      }
      return;
    }
    double lr = p.r(c[o]);
    boolean first = c[o + 3] != 0;
    boolean nesterov = h.nesterov();
    double damp = p.r(1 - h.dampening());
    if (p instanceof OptimizerElements.F32 pf
        && g instanceof OptimizerElements.F32 gf
        && (mu == 0 || (!first && !nesterov))) {
      from =
          OptimizerVectors.sgd(
              neg ? -1f : 1f,
              (float) wd,
              (float) lr,
              (float) mu,
              (float) damp,
              pf.a,
              pf.offset,
              gf.a,
              gf.offset,
              b == null ? null : ((OptimizerElements.F32) b).a,
              from,
              to);
    }
    for (int i = from; i < to; i++) {
      double gi = p.add(grad(g, i, neg), p.mul(wd, p.get(i)));
      if (mu != 0) {
        double bi = first ? gi : p.add(p.mul(mu, b.get(i)), p.mul(damp, gi));
        b.set(i, bi);
        gi = nesterov ? p.add(gi, p.mul(mu, bi)) : bi;
      }
      p.set(i, p.sub(p.get(i), p.mul(lr, gi)));
    }
  }

  static void adam(
      OptimizerHyperparameters h,
      double[] c,
      int o,
      OptimizerElements p,
      OptimizerElements g,
      OptimizerElements m,
      OptimizerElements v,
      OptimizerElements vmax,
      int from,
      int to) {
    boolean neg = h.maximize();
    boolean ams = h.amsgrad();
    double b1 = p.r(h.beta1());
    double b2 = p.r(h.beta2());
    double c1 = p.r(1 - h.beta1());
    double c2 = p.r(1 - h.beta2());
    double eps = p.r(h.eps());
    double shrink = p.r(c[o + 3]);
    double l2 = p.r(h.decoupledWeightDecay() ? 0 : h.weightDecay());
    double stepSize = p.r(c[o + 4]);
    double rootBc2 = p.r(c[o + 5]);
    if (!ams && p instanceof OptimizerElements.F32 pf && g instanceof OptimizerElements.F32 gf) {
      from =
          OptimizerVectors.adam(
              neg ? -1f : 1f,
              (float) shrink,
              (float) l2,
              (float) b1,
              (float) c1,
              (float) b2,
              (float) c2,
              (float) stepSize,
              (float) rootBc2,
              (float) eps,
              pf.a,
              pf.offset,
              gf.a,
              gf.offset,
              ((OptimizerElements.F32) m).a,
              ((OptimizerElements.F32) v).a,
              from,
              to);
    }
    for (int i = from; i < to; i++) {
      double pi = p.mul(p.get(i), shrink);
      double gi = p.add(grad(g, i, neg), p.mul(l2, pi));
      double mi = p.add(p.mul(b1, m.get(i)), p.mul(c1, gi));
      double vi = p.add(p.mul(b2, v.get(i)), p.mul(p.mul(c2, gi), gi));
      m.set(i, mi);
      v.set(i, vi);
      if (ams) {
        vi = Math.max(vmax.get(i), vi);
        vmax.set(i, vi);
      }
      p.set(i, p.sub(pi, p.div(p.mul(stepSize, mi), p.add(p.div(p.sqrt(vi), rootBc2), eps))));
    }
  }

  static void adamax(
      OptimizerHyperparameters h,
      double[] c,
      int o,
      OptimizerElements p,
      OptimizerElements g,
      OptimizerElements m,
      OptimizerElements u,
      int from,
      int to) {
    boolean neg = h.maximize();
    double wd = p.r(h.weightDecay());
    double b1 = p.r(h.beta1());
    double b2 = p.r(h.beta2());
    double c1 = p.r(1 - h.beta1());
    double eps = p.r(h.eps());
    double stepSize = p.r(c[o + 3]);
    for (int i = from; i < to; i++) {
      double gi = p.add(grad(g, i, neg), p.mul(wd, p.get(i)));
      double mi = p.add(p.mul(b1, m.get(i)), p.mul(c1, gi));
      double ui = Math.max(p.mul(b2, u.get(i)), p.add(Math.abs(gi), eps));
      m.set(i, mi);
      u.set(i, ui);
      p.set(i, p.sub(p.get(i), p.div(p.mul(stepSize, mi), ui)));
    }
  }

  static void nadam(
      OptimizerHyperparameters h,
      double[] c,
      int o,
      OptimizerElements p,
      OptimizerElements g,
      OptimizerElements m,
      OptimizerElements v,
      int from,
      int to) {
    boolean neg = h.maximize();
    double b1 = p.r(h.beta1());
    double b2 = p.r(h.beta2());
    double c1 = p.r(1 - h.beta1());
    double c2 = p.r(1 - h.beta2());
    double eps = p.r(h.eps());
    double shrink = p.r(c[o + 3]);
    double l2 = p.r(h.decoupledWeightDecay() ? 0 : h.weightDecay());
    double bc2 = p.r(c[o + 4]);
    double gradStep = p.r(c[o + 5]);
    double momentStep = p.r(c[o + 6]);
    for (int i = from; i < to; i++) {
      double pi = p.mul(p.get(i), shrink);
      double gi = p.add(grad(g, i, neg), p.mul(l2, pi));
      double mi = p.add(p.mul(b1, m.get(i)), p.mul(c1, gi));
      double vi = p.add(p.mul(b2, v.get(i)), p.mul(p.mul(c2, gi), gi));
      m.set(i, mi);
      v.set(i, vi);
      double d = p.add(p.sqrt(p.div(vi, bc2)), eps);
      p.set(i, p.sub(p.sub(pi, p.div(p.mul(gradStep, gi), d)), p.div(p.mul(momentStep, mi), d)));
    }
  }

  static void rmsprop(
      OptimizerHyperparameters h,
      double[] c,
      int o,
      OptimizerElements p,
      OptimizerElements g,
      OptimizerElements s,
      OptimizerElements buf,
      OptimizerElements ga,
      int from,
      int to) {
    boolean neg = h.maximize();
    boolean centered = h.centered();
    boolean useMomentum = h.momentum() > 0;
    double lr = p.r(c[o]);
    double wd = p.r(h.weightDecay());
    double a = p.r(h.rho());
    double k = p.r(1 - h.rho());
    double mom = p.r(h.momentum());
    double eps = p.r(h.eps());
    for (int i = from; i < to; i++) {
      double gi = p.add(grad(g, i, neg), p.mul(wd, p.get(i)));
      double si = p.add(p.mul(a, s.get(i)), p.mul(p.mul(k, gi), gi));
      s.set(i, si);
      double avg;
      if (centered) {
        double gai = p.add(p.mul(a, ga.get(i)), p.mul(k, gi));
        ga.set(i, gai);
        avg = p.add(p.sqrt(p.sub(si, p.mul(gai, gai))), eps);
      } else {
        avg = p.add(p.sqrt(si), eps);
      }
      if (useMomentum) {
        double bi = p.add(p.mul(mom, buf.get(i)), p.div(gi, avg));
        buf.set(i, bi);
        p.set(i, p.sub(p.get(i), p.mul(lr, bi)));
      } else {
        p.set(i, p.sub(p.get(i), p.div(p.mul(lr, gi), avg)));
      }
    }
  }

  static void adagrad(
      OptimizerHyperparameters h,
      double[] c,
      int o,
      OptimizerElements p,
      OptimizerElements g,
      OptimizerElements s,
      int from,
      int to) {
    boolean neg = h.maximize();
    double wd = p.r(h.weightDecay());
    double eps = p.r(h.eps());
    double clr = p.r(c[o + 3]);
    for (int i = from; i < to; i++) {
      double gi = p.add(grad(g, i, neg), p.mul(wd, p.get(i)));
      double si = p.add(s.get(i), p.mul(gi, gi));
      s.set(i, si);
      p.set(i, p.sub(p.get(i), p.div(p.mul(clr, gi), p.add(p.sqrt(si), eps))));
    }
  }

  static void adadelta(
      OptimizerHyperparameters h,
      double[] c,
      int o,
      OptimizerElements p,
      OptimizerElements g,
      OptimizerElements s,
      OptimizerElements u,
      int from,
      int to) {
    boolean neg = h.maximize();
    double lr = p.r(c[o]);
    double wd = p.r(h.weightDecay());
    double rho = p.r(h.rho());
    double k = p.r(1 - h.rho());
    double eps = p.r(h.eps());
    for (int i = from; i < to; i++) {
      double gi = p.add(grad(g, i, neg), p.mul(wd, p.get(i)));
      double si = p.add(p.mul(rho, s.get(i)), p.mul(p.mul(k, gi), gi));
      s.set(i, si);
      double d = p.mul(p.div(p.sqrt(p.add(u.get(i), eps)), p.sqrt(p.add(si, eps))), gi);
      u.set(i, p.add(p.mul(rho, u.get(i)), p.mul(p.mul(k, d), d)));
      p.set(i, p.sub(p.get(i), p.mul(lr, d)));
    }
  }
}
