package io.myelin.backend;

/**
 * The scalars of one {@link Backend#optimizerUpdate} call, flat so that a GPU backend can pass them
 * as kernel arguments. Each {@link OptimizerKind} reads the fields its javadoc names and ignores
 * the others (the factories below set those to 0/false).
 *
 * <p>The user-facing option records in {@code io.myelin.optim} validate their values with messages
 * a user can act on; this record only rejects what would make a kernel read garbage (non-finite
 * scalars), so backends can trust it.
 *
 * @param lr learning rate
 * @param weightDecay L2 coefficient ({@code wd})
 * @param decoupledWeightDecay ADAM/NADAM: multiply {@code p} by {@code 1 - lr * wd} instead of
 *     adding {@code wd * p} to the gradient (AdamW)
 * @param maximize ascend instead of descend (the gradient is negated first)
 * @param momentum SGD's {@code mu} (or {@code beta} of the averaged form); RMSprop's momentum
 * @param dampening SGD's {@code tau}
 * @param nesterov SGD's Nesterov variant
 * @param averagedMomentum SGD's exponentially-weighted-average form
 * @param biasCorrection SGD's averaged form: divide by {@code 1 - beta^t}
 * @param beta1 first-moment decay (ADAM, ADAMAX, NADAM)
 * @param beta2 second-moment decay (ADAM, ADAMAX, NADAM)
 * @param rho squared-gradient decay (RMSPROP's alpha, ADADELTA's rho)
 * @param eps denominator term
 * @param amsgrad ADAM: use the running maximum of {@code v}
 * @param centered RMSPROP: subtract the squared mean gradient
 * @param lrDecay ADAGRAD's learning-rate decay
 * @param initialAccumulatorValue ADAGRAD's starting value of {@code s}
 * @param momentumDecay NADAM's {@code psi}
 * @param muProduct NADAM: {@code mu_1 * ... * mu_(t-1)} (1 at the first step), carried by the
 *     caller because it has no closed form
 */
public record OptimizerHyperparameters(
    double lr,
    double weightDecay,
    boolean decoupledWeightDecay,
    boolean maximize,
    double momentum,
    double dampening,
    boolean nesterov,
    boolean averagedMomentum,
    boolean biasCorrection,
    double beta1,
    double beta2,
    double rho,
    double eps,
    boolean amsgrad,
    boolean centered,
    double lrDecay,
    double initialAccumulatorValue,
    double momentumDecay,
    double muProduct) {

  public OptimizerHyperparameters {
    double[] all = {
      lr,
      weightDecay,
      momentum,
      dampening,
      beta1,
      beta2,
      rho,
      eps,
      lrDecay,
      initialAccumulatorValue,
      momentumDecay,
      muProduct
    };
    for (double v : all) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("optimizer hyperparameters must be finite: " + this);
      }
    }
  }

  /** SGD, PyTorch form or (with {@code averaged}) the exponentially-weighted-average form. */
  public static OptimizerHyperparameters sgd(
      double lr,
      double momentum,
      double dampening,
      boolean nesterov,
      boolean averaged,
      boolean biasCorrection,
      double weightDecay,
      boolean maximize) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        false,
        maximize,
        momentum,
        dampening,
        nesterov,
        averaged,
        biasCorrection,
        0,
        0,
        0,
        0,
        false,
        false,
        0,
        0,
        0,
        1);
  }

  /** Adam / AdamW ({@code decoupled}) with optional AMSGrad. */
  public static OptimizerHyperparameters adam(
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean decoupled,
      boolean amsgrad,
      boolean maximize) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        decoupled,
        maximize,
        0,
        0,
        false,
        false,
        false,
        beta1,
        beta2,
        0,
        eps,
        amsgrad,
        false,
        0,
        0,
        0,
        1);
  }

  public static OptimizerHyperparameters adamax(
      double lr, double beta1, double beta2, double eps, double weightDecay, boolean maximize) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        false,
        maximize,
        0,
        0,
        false,
        false,
        false,
        beta1,
        beta2,
        0,
        eps,
        false,
        false,
        0,
        0,
        0,
        1);
  }

  /** NAdam; {@code muProduct} is {@code mu_1 ... mu_(t-1)} of the parameter being updated. */
  public static OptimizerHyperparameters nadam(
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean decoupled,
      double momentumDecay,
      double muProduct,
      boolean maximize) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        decoupled,
        maximize,
        0,
        0,
        false,
        false,
        false,
        beta1,
        beta2,
        0,
        eps,
        false,
        false,
        0,
        0,
        momentumDecay,
        muProduct);
  }

  public static OptimizerHyperparameters rmsprop(
      double lr,
      double alpha,
      double eps,
      double weightDecay,
      double momentum,
      boolean centered,
      boolean maximize) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        false,
        maximize,
        momentum,
        0,
        false,
        false,
        false,
        0,
        0,
        alpha,
        eps,
        false,
        centered,
        0,
        0,
        0,
        1);
  }

  public static OptimizerHyperparameters adagrad(
      double lr,
      double lrDecay,
      double weightDecay,
      double initialAccumulatorValue,
      double eps,
      boolean maximize) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        false,
        maximize,
        0,
        0,
        false,
        false,
        false,
        0,
        0,
        0,
        eps,
        false,
        false,
        lrDecay,
        initialAccumulatorValue,
        0,
        1);
  }

  public static OptimizerHyperparameters adadelta(
      double lr, double rho, double eps, double weightDecay, boolean maximize) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        false,
        maximize,
        0,
        0,
        false,
        false,
        false,
        0,
        0,
        rho,
        eps,
        false,
        false,
        0,
        0,
        0,
        1);
  }

  /** A copy with the learning rate replaced. */
  public OptimizerHyperparameters withLr(double value) {
    return new OptimizerHyperparameters(
        value,
        weightDecay,
        decoupledWeightDecay,
        maximize,
        momentum,
        dampening,
        nesterov,
        averagedMomentum,
        biasCorrection,
        beta1,
        beta2,
        rho,
        eps,
        amsgrad,
        centered,
        lrDecay,
        initialAccumulatorValue,
        momentumDecay,
        muProduct);
  }

  /**
   * This record with the fields that change from step to step ({@code lr}, {@code muProduct}) set
   * to fixed values: two updates whose constants agree have equal keys (what a captured graph,
   * which fixes the constants, is keyed by).
   */
  public OptimizerHyperparameters constants() {
    return withLr(0).withMuProduct(1);
  }

  /** A copy with NAdam's running product replaced (the optimizer sets it per parameter). */
  public OptimizerHyperparameters withMuProduct(double value) {
    return new OptimizerHyperparameters(
        lr,
        weightDecay,
        decoupledWeightDecay,
        maximize,
        momentum,
        dampening,
        nesterov,
        averagedMomentum,
        biasCorrection,
        beta1,
        beta2,
        rho,
        eps,
        amsgrad,
        centered,
        lrDecay,
        initialAccumulatorValue,
        momentumDecay,
        value);
  }
}
