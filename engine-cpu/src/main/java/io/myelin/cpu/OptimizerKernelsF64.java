package io.myelin.cpu;

import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;

/**
 * The float64 fused optimizer updates of {@link OptimizerKernels}, one method per {@link
 * OptimizerKind}, each over the element range {@code [from, to)}: parameter element {@code i} is
 * {@code p[po + i]}, gradient {@code g[go + i]}, state {@code s[i]}. The formulas are those of the
 * kind's javadoc; scalar coefficients are computed once per call. {@code OptimizerKernelsF32}
 * mirrors this file line for line (double to float): change both together.
 */
final class OptimizerKernelsF64 {
  private OptimizerKernelsF64() {}

  private static double sqrt(double x) {
    return Math.sqrt(x);
  }

  static void sgd(
      OptimizerHyperparameters h, long t, double[] p, int po, double[] g, int go, double[] b,
      int from, int to) {
    boolean neg = h.maximize();
    double lr = h.lr();
    double wd = h.weightDecay();
    double mu = h.momentum();
    if (h.averagedMomentum()) {
      double beta = mu;
      double step = h.biasCorrection() ? h.lr() / (1 - Math.pow(h.momentum(), t)) : h.lr();
      double keep = 1 - h.momentum();
      for (int i = from; i < to; i++) {
        double gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
        if (mu != 0) {
          b[i] = beta * b[i] + keep * gi;
          gi = b[i];
        }
        p[po + i] -= step * gi;
      }
      return;
    }
    boolean first = t == 1;
    boolean nesterov = h.nesterov();
    double damp = 1 - h.dampening();
    for (int i = from; i < to; i++) {
      double gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      if (mu != 0) {
        double bi = first ? gi : mu * b[i] + damp * gi;
        b[i] = bi;
        gi = nesterov ? gi + mu * bi : bi;
      }
      p[po + i] -= lr * gi;
    }
  }

  static void adam(
      OptimizerHyperparameters h, long t, double[] p, int po, double[] g, int go, double[] m,
      double[] v, double[] vmax, int from, int to) {
    boolean neg = h.maximize();
    boolean decoupled = h.decoupledWeightDecay();
    boolean ams = h.amsgrad();
    double b1 = h.beta1();
    double b2 = h.beta2();
    double c1 = 1 - h.beta1();
    double c2 = 1 - h.beta2();
    double eps = h.eps();
    double shrink = decoupled ? 1 - h.lr() * h.weightDecay() : 1;
    double l2 = decoupled ? 0 : h.weightDecay();
    double stepSize = h.lr() / (1 - Math.pow(h.beta1(), t));
    double rootBc2 = Math.sqrt(1 - Math.pow(h.beta2(), t));
    for (int i = from; i < to; i++) {
      double pi = p[po + i] * shrink;
      double gi = (neg ? -g[go + i] : g[go + i]) + l2 * pi;
      double mi = b1 * m[i] + c1 * gi;
      double vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      if (ams) {
        vi = Math.max(vmax[i], vi);
        vmax[i] = vi;
      }
      p[po + i] = pi - stepSize * mi / (sqrt(vi) / rootBc2 + eps);
    }
  }

  static void adamax(
      OptimizerHyperparameters h, long t, double[] p, int po, double[] g, int go, double[] m,
      double[] u, int from, int to) {
    boolean neg = h.maximize();
    double wd = h.weightDecay();
    double b1 = h.beta1();
    double b2 = h.beta2();
    double c1 = 1 - h.beta1();
    double eps = h.eps();
    double stepSize = h.lr() / (1 - Math.pow(h.beta1(), t));
    for (int i = from; i < to; i++) {
      double gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      double mi = b1 * m[i] + c1 * gi;
      double ui = Math.max(b2 * u[i], Math.abs(gi) + eps);
      m[i] = mi;
      u[i] = ui;
      p[po + i] -= stepSize * mi / ui;
    }
  }

  static void nadam(
      OptimizerHyperparameters h, long t, double[] p, int po, double[] g, int go, double[] m,
      double[] v, int from, int to) {
    boolean neg = h.maximize();
    boolean decoupled = h.decoupledWeightDecay();
    double b1 = h.beta1();
    double b2 = h.beta2();
    double c1 = 1 - h.beta1();
    double c2 = 1 - h.beta2();
    double eps = h.eps();
    double shrink = decoupled ? 1 - h.lr() * h.weightDecay() : 1;
    double l2 = decoupled ? 0 : h.weightDecay();
    double bc2 = 1 - Math.pow(h.beta2(), t);
    double mu = OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), t);
    double muNext = OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), t + 1);
    double product = h.muProduct() * mu;
    double gradStep = h.lr() * (1 - mu) / (1 - product);
    double momentStep = h.lr() * muNext / (1 - product * muNext);
    for (int i = from; i < to; i++) {
      double pi = p[po + i] * shrink;
      double gi = (neg ? -g[go + i] : g[go + i]) + l2 * pi;
      double mi = b1 * m[i] + c1 * gi;
      double vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      double d = sqrt(vi / bc2) + eps;
      p[po + i] = pi - gradStep * gi / d - momentStep * mi / d;
    }
  }

  static void rmsprop(
      OptimizerHyperparameters h, double[] p, int po, double[] g, int go, double[] s,
      double[] buf, double[] ga, int from, int to) {
    boolean neg = h.maximize();
    boolean centered = h.centered();
    boolean useMomentum = h.momentum() > 0;
    double lr = h.lr();
    double wd = h.weightDecay();
    double a = h.rho();
    double c = 1 - h.rho();
    double mom = h.momentum();
    double eps = h.eps();
    for (int i = from; i < to; i++) {
      double gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      double si = a * s[i] + c * gi * gi;
      s[i] = si;
      double avg;
      if (centered) {
        double gai = a * ga[i] + c * gi;
        ga[i] = gai;
        avg = sqrt(si - gai * gai) + eps;
      } else {
        avg = sqrt(si) + eps;
      }
      if (useMomentum) {
        double bi = mom * buf[i] + gi / avg;
        buf[i] = bi;
        p[po + i] -= lr * bi;
      } else {
        p[po + i] -= lr * gi / avg;
      }
    }
  }

  static void adagrad(
      OptimizerHyperparameters h, long t, double[] p, int po, double[] g, int go, double[] s,
      int from, int to) {
    boolean neg = h.maximize();
    double wd = h.weightDecay();
    double eps = h.eps();
    double clr = h.lr() / (1 + (t - 1) * h.lrDecay());
    for (int i = from; i < to; i++) {
      double gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      double si = s[i] + gi * gi;
      s[i] = si;
      p[po + i] -= clr * gi / (sqrt(si) + eps);
    }
  }

  static void adadelta(
      OptimizerHyperparameters h, double[] p, int po, double[] g, int go, double[] s,
      double[] u, int from, int to) {
    boolean neg = h.maximize();
    double lr = h.lr();
    double wd = h.weightDecay();
    double rho = h.rho();
    double c = 1 - h.rho();
    double eps = h.eps();
    for (int i = from; i < to; i++) {
      double gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      double si = rho * s[i] + c * gi * gi;
      s[i] = si;
      double d = sqrt(u[i] + eps) / sqrt(si + eps) * gi;
      u[i] = rho * u[i] + c * d * d;
      p[po + i] -= lr * d;
    }
  }
}
