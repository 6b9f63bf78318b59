package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;

/**
 * Launches the fused optimizer updates of {@code optim.cu}: one kernel per parameter per step.
 *
 * <p>The step-dependent scalars (learning rate, bias corrections, NAdam's schedule, AdaGrad's
 * decayed rate, SGD's first-step flag) are not launch arguments: the kernel reads them from the
 * {@link OptimizerKind#SCALARS} doubles {@link OptimizerKind#writeScalars} wrote in device memory,
 * and rounds them to the element type there exactly as {@link KernelArgs#real} would (round to
 * nearest). So the arguments below depend only on the constant hyperparameters, and a launch
 * captured into a CUDA graph is right for every later step. The constants are rounded here once to
 * float for FLOAT32, as engine-cpu's {@code OptimizerUpdates} does, so both backends evaluate the
 * same expression per element.
 *
 * <p>Arguments arrive validated; addresses are already at their offsets, and a state slot the
 * configuration does not use is address 0 (never dereferenced). Thread-safe (stateless).
 */
final class CudaOptimizerKernels {
  private final CudaContext ctx;

  CudaOptimizerKernels(CudaContext ctx) {
    this.ctx = ctx;
  }

  /**
   * One update of {@code n} elements.
   *
   * @param s the state addresses, {@code kind.stateCount()} entries, 0 where unused
   * @param scalars the device address of this update's step scalars
   */
  void update(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      DType dt,
      long n,
      long p,
      long g,
      long[] s,
      long scalars) {
    KernelLaunch l = plan(kind, h, dt, n, p, g, s, scalars);
    ctx.launch(l.kernel(), LaunchShape.linear(n, LaunchShape.THREADS, ctx.maxBlocks()), l.args());
  }

  /**
   * The kernel name and its arguments (separate from the launch so tests can check them): {@code n,
   * p, g, state..., scalars}, then the constants of the kind. {@code h.lr()} and {@code
   * h.muProduct()} are not read.
   */
  static KernelLaunch plan(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      DType dt,
      long n,
      long p,
      long g,
      long[] s,
      long scalars) {
    KernelArgs a = new KernelArgs().i64(n).ptr(p).ptr(g);
    String root = kind.kernelName();
    switch (kind) {
      case SGD -> {
        boolean useMomentum = h.momentum() != 0;
        if (h.averagedMomentum()) {
          root = "sgd_avg";
          a.ptr(s[0])
              .ptr(scalars)
              .real(dt, h.weightDecay())
              .real(dt, h.momentum())
              .real(dt, 1 - h.momentum())
              .flag(useMomentum)
              .flag(h.maximize());
        } else {
          a.ptr(s[0])
              .ptr(scalars)
              .real(dt, h.weightDecay())
              .real(dt, h.momentum())
              .real(dt, 1 - h.dampening())
              .flag(useMomentum)
              .flag(h.nesterov())
              .flag(h.maximize());
        }
      }
      case ADAM ->
          a.ptr(s[0])
              .ptr(s[1])
              .ptr(s[2])
              .ptr(scalars)
              .real(dt, h.beta1())
              .real(dt, h.beta2())
              .real(dt, 1 - h.beta1())
              .real(dt, 1 - h.beta2())
              .real(dt, h.eps())
              .real(dt, h.decoupledWeightDecay() ? 0 : h.weightDecay())
              .flag(h.amsgrad())
              .flag(h.maximize());
      case ADAMAX ->
          a.ptr(s[0])
              .ptr(s[1])
              .ptr(scalars)
              .real(dt, h.weightDecay())
              .real(dt, h.beta1())
              .real(dt, h.beta2())
              .real(dt, 1 - h.beta1())
              .real(dt, h.eps())
              .flag(h.maximize());
      case NADAM ->
          a.ptr(s[0])
              .ptr(s[1])
              .ptr(scalars)
              .real(dt, h.beta1())
              .real(dt, h.beta2())
              .real(dt, 1 - h.beta1())
              .real(dt, 1 - h.beta2())
              .real(dt, h.eps())
              .real(dt, h.decoupledWeightDecay() ? 0 : h.weightDecay())
              .flag(h.maximize());
      case RMSPROP ->
          a.ptr(s[0])
              .ptr(s[1])
              .ptr(s[2])
              .ptr(scalars)
              .real(dt, h.weightDecay())
              .real(dt, h.rho())
              .real(dt, 1 - h.rho())
              .real(dt, h.momentum())
              .real(dt, h.eps())
              .flag(h.centered())
              .flag(h.momentum() > 0)
              .flag(h.maximize());
      case ADAGRAD ->
          a.ptr(s[0]).ptr(scalars).real(dt, h.weightDecay()).real(dt, h.eps()).flag(h.maximize());
      case ADADELTA ->
          a.ptr(s[0])
              .ptr(s[1])
              .ptr(scalars)
              .real(dt, h.weightDecay())
              .real(dt, h.rho())
              .real(dt, 1 - h.rho())
              .real(dt, h.eps())
              .flag(h.maximize());
    }
    return new KernelLaunch("optim_" + root + "_" + dt.shortName(), a);
  }
}
