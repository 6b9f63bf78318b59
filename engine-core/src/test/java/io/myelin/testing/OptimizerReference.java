package io.myelin.testing;

/**
 * Plain double-precision reference optimizers, written from the published update rules (in
 * PyTorch's documented form, with the bias corrections written as m-hat / v-hat where the papers
 * do) without any Myelin code: each is a stateful step over one {@code double[]}.
 */
final class OptimizerReference {
  private OptimizerReference() {}

  /** One reference optimizer for one parameter; {@link #step} updates {@code p} in place. */
  abstract static class Ref {
    int t;
    double[] a;
    double[] b;
    double[] c;

    final void step(double[] p, double[] grad) {
      if (a == null) {
        a = new double[p.length];
        b = new double[p.length];
        c = new double[p.length];
        init();
      }
      t++;
      update(p, grad.clone());
    }

    void init() {}

    abstract void update(double[] p, double[] g);
  }

  static Ref sgd(
      double lr, double mu, double dampening, boolean nesterov, double wd, boolean maximize) {
    return new Ref() {
      void update(double[] p, double[] g) {
        for (int i = 0; i < p.length; i++) {
          double d = maximize ? -g[i] : g[i];
          d += wd * p[i];
          if (mu != 0) {
            a[i] = t == 1 ? d : mu * a[i] + (1 - dampening) * d;
            d = nesterov ? d + mu * a[i] : a[i];
          }
          p[i] = p[i] - lr * d;
        }
      }
    };
  }

  /** The course's v = beta v + (1 - beta) g, step v / (1 - beta^t) when corrected. */
  static Ref sgdAveraged(double lr, double beta, boolean biasCorrection, double wd) {
    return new Ref() {
      void update(double[] p, double[] g) {
        for (int i = 0; i < p.length; i++) {
          double d = g[i] + wd * p[i];
          a[i] = beta * a[i] + (1 - beta) * d;
          double v = biasCorrection ? a[i] / (1 - Math.pow(beta, t)) : a[i];
          p[i] -= lr * v;
        }
      }
    };
  }

  static Ref adam(
      double lr, double b1, double b2, double eps, double wd, boolean amsgrad, boolean decoupled) {
    return new Ref() {
      void update(double[] p, double[] g) {
        for (int i = 0; i < p.length; i++) {
          if (decoupled) {
            p[i] -= lr * wd * p[i];
          } else {
            g[i] += wd * p[i];
          }
          a[i] = b1 * a[i] + (1 - b1) * g[i];
          b[i] = b2 * b[i] + (1 - b2) * g[i] * g[i];
          c[i] = Math.max(c[i], b[i]);
          double mHat = a[i] / (1 - Math.pow(b1, t));
          double vHat = (amsgrad ? c[i] : b[i]) / (1 - Math.pow(b2, t));
          // PyTorch adds eps to sqrt(v) / sqrt(1 - beta2^t), i.e. to sqrt(v-hat).
          p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
      }
    };
  }

  static Ref adamax(double lr, double b1, double b2, double eps, double wd) {
    return new Ref() {
      void update(double[] p, double[] g) {
        for (int i = 0; i < p.length; i++) {
          double d = g[i] + wd * p[i];
          a[i] = b1 * a[i] + (1 - b1) * d;
          b[i] = Math.max(b2 * b[i], Math.abs(d) + eps);
          p[i] -= lr / (1 - Math.pow(b1, t)) * a[i] / b[i];
        }
      }
    };
  }

  static Ref nadam(
      double lr, double b1, double b2, double eps, double wd, double psi, boolean decoupled) {
    return new Ref() {
      void update(double[] p, double[] g) {
        double product = 1;
        for (int k = 1; k <= t; k++) {
          product *= b1 * (1 - 0.5 * Math.pow(0.96, k * psi));
        }
        double mu = b1 * (1 - 0.5 * Math.pow(0.96, t * psi));
        double muNext = b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * psi));
        for (int i = 0; i < p.length; i++) {
          if (decoupled) {
            p[i] *= 1 - lr * wd;
          } else {
            g[i] += wd * p[i];
          }
          a[i] = b1 * a[i] + (1 - b1) * g[i];
          b[i] = b2 * b[i] + (1 - b2) * g[i] * g[i];
          double denom = Math.sqrt(b[i] / (1 - Math.pow(b2, t))) + eps;
          p[i] -= lr * (1 - mu) / (1 - product) * g[i] / denom;
          p[i] -= lr * muNext / (1 - product * muNext) * a[i] / denom;
        }
      }
    };
  }

  static Ref rmsprop(
      double lr, double alpha, double eps, double wd, double momentum, boolean centered) {
    return new Ref() {
      void update(double[] p, double[] g) {
        for (int i = 0; i < p.length; i++) {
          double d = g[i] + wd * p[i];
          a[i] = alpha * a[i] + (1 - alpha) * d * d;
          double avg;
          if (centered) {
            c[i] = alpha * c[i] + (1 - alpha) * d;
            avg = Math.sqrt(a[i] - c[i] * c[i]) + eps;
          } else {
            avg = Math.sqrt(a[i]) + eps;
          }
          if (momentum > 0) {
            b[i] = momentum * b[i] + d / avg;
            p[i] -= lr * b[i];
          } else {
            p[i] -= lr * d / avg;
          }
        }
      }
    };
  }

  static Ref adagrad(double lr, double lrDecay, double wd, double initial, double eps) {
    return new Ref() {
      void init() {
        java.util.Arrays.fill(a, initial);
      }

      void update(double[] p, double[] g) {
        double clr = lr / (1 + (t - 1) * lrDecay);
        for (int i = 0; i < p.length; i++) {
          double d = g[i] + wd * p[i];
          a[i] += d * d;
          p[i] -= clr * d / (Math.sqrt(a[i]) + eps);
        }
      }
    };
  }

  static Ref adadelta(double lr, double rho, double eps, double wd) {
    return new Ref() {
      void update(double[] p, double[] g) {
        for (int i = 0; i < p.length; i++) {
          double d = g[i] + wd * p[i];
          a[i] = rho * a[i] + (1 - rho) * d * d;
          double delta = Math.sqrt(b[i] + eps) / Math.sqrt(a[i] + eps) * d;
          b[i] = rho * b[i] + (1 - rho) * delta * delta;
          p[i] -= lr * delta;
        }
      }
    };
  }
}
