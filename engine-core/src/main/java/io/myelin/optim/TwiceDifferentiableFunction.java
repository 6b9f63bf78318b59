package io.myelin.optim;

/**
 * A smooth objective that also gives Hessian-vector products, for {@link NewtonCG}: {@code f(x)},
 * its gradient, and {@code H(x) v} without forming H (on tensors: {@link
 * io.myelin.autograd.Functional#hvp}, forward over reverse).
 */
public interface TwiceDifferentiableFunction extends DifferentiableFunction {

  /** Writes {@code H(x) v} into {@code out} (x's length); must not modify x or v. */
  void hessianVector(double[] x, double[] v, double[] out);
}
