package io.myelin.cpu;

import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;

/**
 * The float32 fused optimizer updates of {@link OptimizerKernels}, one method per {@link
 * OptimizerKind}, each over the element range {@code [from, to)}: parameter element {@code i} is
 * {@code p[po + i]}, gradient {@code g[go + i]}, state {@code s[i]}. The formulas are those of the
 * kind's javadoc; scalar coefficients are computed once per call in double and rounded to float
 * once, element arithmetic runs in float. It mirrors {@code OptimizerKernelsF64} line for line
 * (double to float): change both together.
 */
final class OptimizerKernelsF32 {
  private OptimizerKernelsF32() {}

  private static float sqrt(float x) {
    return (float) Math.sqrt(x);
  }

  static void sgd(
      OptimizerHyperparameters h, long t, float[] p, int po, float[] g, int go, float[] b,
      int from, int to) {
    boolean neg = h.maximize();
    float lr = (float) h.lr();
    float wd = (float) h.weightDecay();
    float mu = (float) h.momentum();
    if (h.averagedMomentum()) {
      float beta = mu;
      float step = (float) (h.biasCorrection() ? h.lr() / (1 - Math.pow(h.momentum(), t)) : h.lr());
      float keep = (float) (1 - h.momentum());
      for (int i = from; i < to; i++) {
        float gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
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
    float damp = (float) (1 - h.dampening());
    if (mu == 0 || (!first && !nesterov)) {
      from = OptimizerVectors.sgd(neg ? -1f : 1f, wd, lr, mu, damp, p, po, g, go, b, from, to);
    }
    for (int i = from; i < to; i++) {
      float gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      if (mu != 0) {
        float bi = first ? gi : mu * b[i] + damp * gi;
        b[i] = bi;
        gi = nesterov ? gi + mu * bi : bi;
      }
      p[po + i] -= lr * gi;
    }
  }

  static void adam(
      OptimizerHyperparameters h, long t, float[] p, int po, float[] g, int go, float[] m,
      float[] v, float[] vmax, int from, int to) {
    boolean neg = h.maximize();
    boolean decoupled = h.decoupledWeightDecay();
    boolean ams = h.amsgrad();
    float b1 = (float) h.beta1();
    float b2 = (float) h.beta2();
    float c1 = (float) (1 - h.beta1());
    float c2 = (float) (1 - h.beta2());
    float eps = (float) h.eps();
    float shrink = (float) (decoupled ? 1 - h.lr() * h.weightDecay() : 1);
    float l2 = (float) (decoupled ? 0 : h.weightDecay());
    float stepSize = (float) (h.lr() / (1 - Math.pow(h.beta1(), t)));
    float rootBc2 = (float) (Math.sqrt(1 - Math.pow(h.beta2(), t)));
    if (!ams) {
      from = OptimizerVectors.adam(neg ? -1f : 1f, shrink, l2, b1, c1, b2, c2, stepSize, rootBc2,
          eps, p, po, g, go, m, v, from, to);
    }
    for (int i = from; i < to; i++) {
      float pi = p[po + i] * shrink;
      float gi = (neg ? -g[go + i] : g[go + i]) + l2 * pi;
      float mi = b1 * m[i] + c1 * gi;
      float vi = b2 * v[i] + c2 * gi * gi;
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
      OptimizerHyperparameters h, long t, float[] p, int po, float[] g, int go, float[] m,
      float[] u, int from, int to) {
    boolean neg = h.maximize();
    float wd = (float) h.weightDecay();
    float b1 = (float) h.beta1();
    float b2 = (float) h.beta2();
    float c1 = (float) (1 - h.beta1());
    float eps = (float) h.eps();
    float stepSize = (float) (h.lr() / (1 - Math.pow(h.beta1(), t)));
    for (int i = from; i < to; i++) {
      float gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      float mi = b1 * m[i] + c1 * gi;
      float ui = Math.max(b2 * u[i], Math.abs(gi) + eps);
      m[i] = mi;
      u[i] = ui;
      p[po + i] -= stepSize * mi / ui;
    }
  }

  static void nadam(
      OptimizerHyperparameters h, long t, float[] p, int po, float[] g, int go, float[] m,
      float[] v, int from, int to) {
    boolean neg = h.maximize();
    boolean decoupled = h.decoupledWeightDecay();
    float b1 = (float) h.beta1();
    float b2 = (float) h.beta2();
    float c1 = (float) (1 - h.beta1());
    float c2 = (float) (1 - h.beta2());
    float eps = (float) h.eps();
    float shrink = (float) (decoupled ? 1 - h.lr() * h.weightDecay() : 1);
    float l2 = (float) (decoupled ? 0 : h.weightDecay());
    float bc2 = (float) (1 - Math.pow(h.beta2(), t));
    // Schedule coefficients stay in double: 1 - mu and 1 - product lose digits in float.
    double mu = OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), t);
    double muNext = OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), t + 1);
    double product = h.muProduct() * mu;
    float gradStep = (float) (h.lr() * (1 - mu) / (1 - product));
    float momentStep = (float) (h.lr() * muNext / (1 - product * muNext));
    for (int i = from; i < to; i++) {
      float pi = p[po + i] * shrink;
      float gi = (neg ? -g[go + i] : g[go + i]) + l2 * pi;
      float mi = b1 * m[i] + c1 * gi;
      float vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      float d = sqrt(vi / bc2) + eps;
      p[po + i] = pi - gradStep * gi / d - momentStep * mi / d;
    }
  }

  static void rmsprop(
      OptimizerHyperparameters h, float[] p, int po, float[] g, int go, float[] s,
      float[] buf, float[] ga, int from, int to) {
    boolean neg = h.maximize();
    boolean centered = h.centered();
    boolean useMomentum = h.momentum() > 0;
    float lr = (float) h.lr();
    float wd = (float) h.weightDecay();
    float a = (float) h.rho();
    float c = (float) (1 - h.rho());
    float mom = (float) h.momentum();
    float eps = (float) h.eps();
    for (int i = from; i < to; i++) {
      float gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      float si = a * s[i] + c * gi * gi;
      s[i] = si;
      float avg;
      if (centered) {
        float gai = a * ga[i] + c * gi;
        ga[i] = gai;
        avg = sqrt(si - gai * gai) + eps;
      } else {
        avg = sqrt(si) + eps;
      }
      if (useMomentum) {
        float bi = mom * buf[i] + gi / avg;
        buf[i] = bi;
        p[po + i] -= lr * bi;
      } else {
        p[po + i] -= lr * gi / avg;
      }
    }
  }

  static void adagrad(
      OptimizerHyperparameters h, long t, float[] p, int po, float[] g, int go, float[] s,
      int from, int to) {
    boolean neg = h.maximize();
    float wd = (float) h.weightDecay();
    float eps = (float) h.eps();
    float clr = (float) (h.lr() / (1 + (t - 1) * h.lrDecay()));
    for (int i = from; i < to; i++) {
      float gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      float si = s[i] + gi * gi;
      s[i] = si;
      p[po + i] -= clr * gi / (sqrt(si) + eps);
    }
  }

  static void adadelta(
      OptimizerHyperparameters h, float[] p, int po, float[] g, int go, float[] s,
      float[] u, int from, int to) {
    boolean neg = h.maximize();
    float lr = (float) h.lr();
    float wd = (float) h.weightDecay();
    float rho = (float) h.rho();
    float c = (float) (1 - h.rho());
    float eps = (float) h.eps();
    for (int i = from; i < to; i++) {
      float gi = (neg ? -g[go + i] : g[go + i]) + wd * p[po + i];
      float si = rho * s[i] + c * gi * gi;
      s[i] = si;
      float d = sqrt(u[i] + eps) / sqrt(si + eps) * gi;
      u[i] = rho * u[i] + c * d * d;
      p[po + i] -= lr * d;
    }
  }
}
