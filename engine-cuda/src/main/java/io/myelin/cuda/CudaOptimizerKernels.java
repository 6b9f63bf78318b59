package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;

/**
 * Launches the fused optimizer updates of {@code optim.cu}: one kernel per parameter per step.
 * The scalar coefficients are computed here in double exactly as engine-cpu's {@code
 * OptimizerKernelsF64} computes them (and rounded once to float for FLOAT32, as {@code
 * OptimizerKernelsF32} does), so both backends evaluate the same expression per element.
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
   */
  void update(OptimizerKind kind, OptimizerHyperparameters h, long t, DType dt, long n, long p,
      long g, long[] s) {
    KernelLaunch l = plan(kind, h, t, dt, n, p, g, s);
    ctx.launch(l.kernel(), LaunchShape.linear(n, LaunchShape.THREADS, ctx.maxBlocks()), l.args());
  }

  /** The kernel name and its arguments (separate from the launch so tests can check them). */
  static KernelLaunch plan(OptimizerKind kind, OptimizerHyperparameters h, long t, DType dt,
      long n, long p, long g, long[] s) {
    KernelArgs a = new KernelArgs().i64(n).ptr(p).ptr(g);
    String root = kind.kernelName();
    switch (kind) {
      case SGD -> {
        boolean useMomentum = h.momentum() != 0;
        if (h.averagedMomentum()) {
          root = "sgd_avg";
          double step = h.biasCorrection() ? h.lr() / (1 - Math.pow(h.momentum(), t)) : h.lr();
          a.ptr(s[0]).real(dt, step).real(dt, h.weightDecay()).real(dt, h.momentum())
              .real(dt, 1 - h.momentum()).flag(useMomentum).flag(h.maximize());
        } else {
          a.ptr(s[0]).real(dt, h.lr()).real(dt, h.weightDecay()).real(dt, h.momentum())
              .real(dt, 1 - h.dampening()).flag(useMomentum).flag(t == 1).flag(h.nesterov())
              .flag(h.maximize());
        }
      }
      case ADAM -> {
        boolean decoupled = h.decoupledWeightDecay();
        a.ptr(s[0]).ptr(s[1]).ptr(s[2]).real(dt, h.beta1()).real(dt, h.beta2())
            .real(dt, 1 - h.beta1()).real(dt, 1 - h.beta2()).real(dt, h.eps())
            .real(dt, decoupled ? 1 - h.lr() * h.weightDecay() : 1)
            .real(dt, decoupled ? 0 : h.weightDecay())
            .real(dt, h.lr() / (1 - Math.pow(h.beta1(), t)))
            .real(dt, Math.sqrt(1 - Math.pow(h.beta2(), t)))
            .flag(h.amsgrad()).flag(h.maximize());
      }
      case ADAMAX -> a.ptr(s[0]).ptr(s[1]).real(dt, h.weightDecay()).real(dt, h.beta1())
          .real(dt, h.beta2()).real(dt, 1 - h.beta1()).real(dt, h.eps())
          .real(dt, h.lr() / (1 - Math.pow(h.beta1(), t))).flag(h.maximize());
      case NADAM -> {
        boolean decoupled = h.decoupledWeightDecay();
        double mu = OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), t);
        double muNext = OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), t + 1);
        double product = h.muProduct() * mu;
        a.ptr(s[0]).ptr(s[1]).real(dt, h.beta1()).real(dt, h.beta2()).real(dt, 1 - h.beta1())
            .real(dt, 1 - h.beta2()).real(dt, h.eps())
            .real(dt, decoupled ? 1 - h.lr() * h.weightDecay() : 1)
            .real(dt, decoupled ? 0 : h.weightDecay())
            .real(dt, 1 - Math.pow(h.beta2(), t))
            .real(dt, h.lr() * (1 - mu) / (1 - product))
            .real(dt, h.lr() * muNext / (1 - product * muNext))
            .flag(h.maximize());
      }
      case RMSPROP -> a.ptr(s[0]).ptr(s[1]).ptr(s[2]).real(dt, h.lr()).real(dt, h.weightDecay())
          .real(dt, h.rho()).real(dt, 1 - h.rho()).real(dt, h.momentum()).real(dt, h.eps())
          .flag(h.centered()).flag(h.momentum() > 0).flag(h.maximize());
      case ADAGRAD -> a.ptr(s[0]).real(dt, h.weightDecay()).real(dt, h.eps())
          .real(dt, h.lr() / (1 + (t - 1) * h.lrDecay())).flag(h.maximize());
      case ADADELTA -> a.ptr(s[0]).ptr(s[1]).real(dt, h.lr()).real(dt, h.weightDecay())
          .real(dt, h.rho()).real(dt, 1 - h.rho()).real(dt, h.eps()).flag(h.maximize());
    }
    return new KernelLaunch("optim_" + root + "_" + dt.shortName(), a);
  }
}
