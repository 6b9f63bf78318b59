package io.myelin.backend;

/**
 * The fused first-order optimizer updates of {@link Backend#optimizerUpdate}: one constant per
 * algorithm family, each stating its formula, its hyperparameters (fields of {@link
 * OptimizerHyperparameters}) and its state buffers.
 *
 * <p>Notation, per element: {@code p} parameter, {@code g} gradient, {@code t} the 1-based step of
 * this parameter, {@code lr} learning rate, {@code wd} weight decay. Every kind starts with
 *
 * <pre>
 *   g = maximize ? -g : g
 *   if wd != 0:  decoupled ? p = p * (1 - lr * wd)      (AdamW / NAdamW, applied before the update)
 *                          : g = g + wd * p              (L2 penalty folded into the gradient)
 * </pre>
 *
 * ({@code decoupledWeightDecay} is read by ADAM and NADAM only; the other kinds always fold.) The
 * formulas follow PyTorch's {@code torch.optim} single-tensor implementations (version 2.x), whose
 * defaults the optimizer classes in {@code io.myelin.optim} copy.
 *
 * <p>State buffers: {@link #stateCount()} slots, each a contiguous run of {@code n} elements of the
 * parameter's dtype starting at offset 0. A slot the configuration does not use ({@link
 * #usesState}) is passed as {@code null}. The caller allocates them and sets their initial value
 * ({@link #initialState}) before the first step; the backend only reads and writes them.
 */
public enum OptimizerKind {
  /**
   * Stochastic gradient descent with optional momentum, in one of two forms.
   *
   * <p>PyTorch form ({@code averagedMomentum == false}; momentum {@code mu}, dampening {@code
   * tau}):
   *
   * <pre>
   *   if mu != 0:  b = (t == 1) ? g : mu * b + (1 - tau) * g
   *                g = nesterov ? g + mu * b : b
   *   p = p - lr * g
   * </pre>
   *
   * Exponentially-weighted-average form ({@code averagedMomentum == true}; {@code beta = momentum};
   * the form of Ng's deep-learning course):
   *
   * <pre>
   *   v = beta * v + (1 - beta) * g                 (v starts at 0)
   *   p = p - lr * (biasCorrection ? v / (1 - beta^t) : v)
   * </pre>
   *
   * State: [0] momentum buffer {@code b} / {@code v}, used iff momentum != 0.
   */
  SGD("sgd", "momentum_buffer"),

  /**
   * Adam (Kingma and Ba 2015), with AMSGrad (Reddi et al. 2018) and decoupled weight decay for
   * AdamW (Loshchilov and Hutter 2019):
   *
   * <pre>
   *   m = beta1 * m + (1 - beta1) * g
   *   v = beta2 * v + (1 - beta2) * g^2
   *   vmax = max(vmax, v)                            (AMSGrad only)
   *   p = p - lr / (1 - beta1^t) * m / (sqrt(amsgrad ? vmax : v) / sqrt(1 - beta2^t) + eps)
   * </pre>
   *
   * State: [0] {@code m}, [1] {@code v}, [2] {@code vmax} (used iff amsgrad). All start at 0.
   */
  ADAM("adam", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),

  /**
   * AdaMax, Adam on the infinity norm (Kingma and Ba 2015, sec. 7.1; PyTorch's eps placement):
   *
   * <pre>
   *   m = beta1 * m + (1 - beta1) * g
   *   u = max(beta2 * u, |g| + eps)
   *   p = p - lr / (1 - beta1^t) * m / u
   * </pre>
   *
   * State: [0] {@code m}, [1] {@code u}. Both start at 0.
   */
  ADAMAX("adamax", "exp_avg", "exp_inf"),

  /**
   * NAdam, Adam with Nesterov momentum (Dozat 2016), with PyTorch's momentum schedule {@code mu_t =
   * beta1 * (1 - 0.5 * 0.96^(t * psi))} ({@code psi = momentumDecay}, default 0.004) and {@code P =
   * muProduct * mu_t} where {@code muProduct} is the product {@code mu_1 ... mu_(t-1)} carried by
   * the caller (see {@link OptimizerHyperparameters#muProduct()}):
   *
   * <pre>
   *   m = beta1 * m + (1 - beta1) * g
   *   v = beta2 * v + (1 - beta2) * g^2
   *   d = sqrt(v / (1 - beta2^t)) + eps
   *   p = p - lr * (1 - mu_t) / (1 - P) * g / d - lr * mu_(t+1) / (1 - P * mu_(t+1)) * m / d
   * </pre>
   *
   * State: [0] {@code m}, [1] {@code v}. Both start at 0.
   */
  NADAM("nadam", "exp_avg", "exp_avg_sq"),

  /**
   * RMSprop (Hinton's lecture 6e; Graves 2013 for the centered form), {@code rho} being PyTorch's
   * {@code alpha}:
   *
   * <pre>
   *   s = rho * s + (1 - rho) * g^2
   *   a = centered ? (ga = rho * ga + (1 - rho) * g;  sqrt(s - ga^2) + eps) : sqrt(s) + eps
   *   if momentum > 0:  b = momentum * b + g / a;  p = p - lr * b
   *   else:             p = p - lr * g / a
   * </pre>
   *
   * State: [0] {@code s}, [1] {@code b} (used iff momentum > 0), [2] {@code ga} (used iff
   * centered). All start at 0.
   */
  RMSPROP("rmsprop", "square_avg", "momentum_buffer", "grad_avg"),

  /**
   * AdaGrad (Duchi, Hazan and Singer 2011):
   *
   * <pre>
   *   s = s + g^2
   *   p = p - lr / (1 + (t - 1) * lrDecay) * g / (sqrt(s) + eps)
   * </pre>
   *
   * State: [0] {@code s}, starting at {@code initialAccumulatorValue}.
   */
  ADAGRAD("adagrad", "sum"),

  /**
   * AdaDelta (Zeiler 2012), {@code rho} the decay rate:
   *
   * <pre>
   *   s = rho * s + (1 - rho) * g^2
   *   d = sqrt(u + eps) / sqrt(s + eps) * g
   *   u = rho * u + (1 - rho) * d^2
   *   p = p - lr * d
   * </pre>
   *
   * State: [0] {@code s}, [1] {@code u} (accumulated squared updates). Both start at 0.
   */
  ADADELTA("adadelta", "square_avg", "acc_delta");

  /** Doubles per update in the step-scalar block of {@link #writeScalars}. */
  public static final int SCALARS = 8;

  /**
   * Entry of the scalar block that says whether the update runs: {@link #writeScalars} writes 1; a
   * training step may overwrite it on the device with 0 (a non-finite batch it skips), and the
   * update then leaves the parameter and its state untouched.
   */
  public static final int APPLY = 7;

  private final String kernelName;
  private final String[] stateNames;

  /**
   * Writes the {@link #SCALARS} step-dependent values of one update into {@code out} at {@code
   * offset}: [0] {@code lr}, [1] the step {@code t}, [2] NAdam's {@code muProduct} ({@code mu_1 ...
   * mu_(t-1)}), then the coefficients a backend derives from them, computed here in double once per
   * step so that every backend rounds the same values:
   *
   * <ul>
   *   <li>SGD: [3] 1 at the first step else 0; [4] the averaged form's step, {@code lr / (1 -
   *       mu^t)} with bias correction, else {@code lr}
   *   <li>ADAM: [3] {@code shrink = 1 - lr * wd} when decoupled, else 1; [4] {@code lr / (1 -
   *       beta1^t)}; [5] {@code sqrt(1 - beta2^t)}
   *   <li>ADAMAX: [3] {@code lr / (1 - beta1^t)}
   *   <li>NADAM: [3] {@code shrink}; [4] {@code 1 - beta2^t}; [5] {@code lr (1 - mu_t) / (1 -
   *       prod_t)}; [6] {@code lr mu_(t+1) / (1 - prod_t mu_(t+1))} with {@code prod_t = muProduct
   *       * mu_t}
   *   <li>ADAGRAD: [3] {@code lr / (1 + (t - 1) lrDecay)}
   *   <li>RMSPROP, ADADELTA: nothing beyond {@code lr}
   * </ul>
   *
   * and [{@link #APPLY}] 1. Unused entries are 0.
   */
  public void writeScalars(OptimizerHyperparameters h, long t, double[] out, int offset) {
    if (t < 1) {
      throw new IllegalArgumentException("optimizer step must be >= 1, got " + t);
    }
    java.util.Arrays.fill(out, offset, offset + SCALARS, 0.0);
    double lr = h.lr();
    out[offset] = lr;
    out[offset + 1] = t;
    out[offset + 2] = h.muProduct();
    out[offset + APPLY] = 1;
    double shrink = h.decoupledWeightDecay() ? 1 - lr * h.weightDecay() : 1;
    switch (this) {
      case SGD -> {
        out[offset + 3] = t == 1 ? 1 : 0;
        out[offset + 4] = h.biasCorrection() ? lr / (1 - Math.pow(h.momentum(), t)) : lr;
      }
      case ADAM -> {
        out[offset + 3] = shrink;
        out[offset + 4] = lr / (1 - Math.pow(h.beta1(), t));
        out[offset + 5] = Math.sqrt(1 - Math.pow(h.beta2(), t));
      }
      case ADAMAX -> out[offset + 3] = lr / (1 - Math.pow(h.beta1(), t));
      case NADAM -> {
        double mu = nadamMu(h.beta1(), h.momentumDecay(), t);
        double muNext = nadamMu(h.beta1(), h.momentumDecay(), t + 1);
        double product = h.muProduct() * mu;
        out[offset + 3] = shrink;
        out[offset + 4] = 1 - Math.pow(h.beta2(), t);
        out[offset + 5] = lr * (1 - mu) / (1 - product);
        out[offset + 6] = lr * muNext / (1 - product * muNext);
      }
      case ADAGRAD -> out[offset + 3] = lr / (1 + (t - 1) * h.lrDecay());
      case RMSPROP, ADADELTA -> {}
    }
  }

  OptimizerKind(String kernelName, String... stateNames) {
    this.kernelName = kernelName;
    this.stateNames = stateNames;
  }

  /** Root of the kernel names ({@code optim_adam_f32} ...). */
  public String kernelName() {
    return kernelName;
  }

  /** Number of state slots the update takes (unused ones are passed as null). */
  public int stateCount() {
    return stateNames.length;
  }

  /** PyTorch's name for state slot {@code index} ({@code exp_avg}, ...), used in state dicts. */
  public String stateName(int index) {
    return stateNames[index];
  }

  /** True when slot {@code index} is read and written under hyperparameters {@code h}. */
  public boolean usesState(int index, OptimizerHyperparameters h) {
    return switch (this) {
      case SGD -> h.momentum() != 0;
      case ADAM -> index < 2 || h.amsgrad();
      case RMSPROP -> index == 0 || (index == 1 ? h.momentum() > 0 : h.centered());
      case ADAMAX, NADAM, ADAGRAD, ADADELTA -> true;
    };
  }

  /** The value slot {@code index} holds before the first step. */
  public double initialState(int index, OptimizerHyperparameters h) {
    return this == ADAGRAD ? h.initialAccumulatorValue() : 0.0;
  }

  /**
   * NAdam's momentum coefficient {@code mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi))}; callers use it
   * to advance {@link OptimizerHyperparameters#muProduct()} after each step.
   */
  public static double nadamMu(double beta1, double momentumDecay, long t) {
    return beta1 * (1.0 - 0.5 * Math.pow(0.96, t * momentumDecay));
  }
}
