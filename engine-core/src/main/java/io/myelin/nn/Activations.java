package io.myelin.nn;

import io.myelin.Tensor;
import io.myelin.backend.UnaryOp;

/**
 * Activation functions of a tensor, element-wise unless stated; each is one backend unary op (value
 * and derivative as documented on {@link UnaryOp}), so gradients come from autograd.
 *
 * <p>Derivatives at kinks follow PyTorch (relu'(0) = 0, leaky-relu'(0) = slope). {@link #step} and
 * {@link #sign} are piecewise constant: their derivative is 0 almost everywhere (and undefined at
 * 0), so no gradient flows through them; a network using them cannot be trained by gradient descent
 * through that layer (the course uses them for perceptrons).
 *
 * <pre>{@code
 * Tensor h = Activations.leakyRelu(x.matmul(w), 0.2);
 * Tensor p = Activations.softmax(logits, 1);   // rows sum to 1
 * }</pre>
 */
public final class Activations {
  /** PyTorch's default negative slope of leaky ReLU. */
  public static final double DEFAULT_LEAKY_SLOPE = 0.01;

  /** PyTorch's default ELU alpha. */
  public static final double DEFAULT_ELU_ALPHA = 1.0;

  private Activations() {}

  /** Heaviside unit step: 0 for z &lt; 0, 0.5 at 0, 1 for z &gt; 0. Zero gradient. */
  public static Tensor step(Tensor z) {
    return z.map(UnaryOp.STEP);
  }

  /** sign(z) in {-1, 0, 1}. Zero gradient. */
  public static Tensor sign(Tensor z) {
    return z.map(UnaryOp.SIGN);
  }

  /** z (a differentiable copy). */
  public static Tensor identity(Tensor z) {
    return z.map(UnaryOp.IDENTITY);
  }

  /** 0 below -1/2, z + 1/2 on [-1/2, 1/2], 1 above 1/2; derivative 1 on the closed interval. */
  public static Tensor piecewiseLinear(Tensor z) {
    return z.map(UnaryOp.PIECEWISE_LINEAR);
  }

  /** 1 / (1 + e^-z). */
  public static Tensor sigmoid(Tensor z) {
    return z.map(UnaryOp.SIGMOID);
  }

  public static Tensor tanh(Tensor z) {
    return z.map(UnaryOp.TANH);
  }

  /**
   * clamp(z, -1, 1). NOTE: composed as a clamp, whose derivative is 1 on the closed interval;
   * PyTorch's hardtanh gives 0 exactly at +-1. They differ only at those two points.
   */
  public static Tensor hardTanh(Tensor z) {
    return hardTanh(z, -1, 1);
  }

  /** clamp(z, min, max). */
  public static Tensor hardTanh(Tensor z, double min, double max) {
    return z.clamp(min, max);
  }

  /** max(z, 0). */
  public static Tensor relu(Tensor z) {
    return z.map(UnaryOp.RELU);
  }

  /** z for z > 0, 0.01 z otherwise. */
  public static Tensor leakyRelu(Tensor z) {
    return leakyRelu(z, DEFAULT_LEAKY_SLOPE);
  }

  /** z for z > 0, slope * z otherwise. */
  public static Tensor leakyRelu(Tensor z, double slope) {
    return z.map(UnaryOp.LEAKY_RELU, slope, 0);
  }

  /** z for z > 0, e^z - 1 otherwise. */
  public static Tensor elu(Tensor z) {
    return elu(z, DEFAULT_ELU_ALPHA);
  }

  /** z for z > 0, alpha (e^z - 1) otherwise. */
  public static Tensor elu(Tensor z, double alpha) {
    return z.map(UnaryOp.ELU, alpha, 0);
  }

  /** log(1 + e^z), linear above 20 (PyTorch's beta = 1, threshold = 20). */
  public static Tensor softplus(Tensor z) {
    return z.map(UnaryOp.SOFTPLUS);
  }

  /** Swish / SiLU: z * sigmoid(z). */
  public static Tensor swish(Tensor z) {
    return z.map(UnaryOp.SILU);
  }

  /** Same as {@link #swish}. */
  public static Tensor silu(Tensor z) {
    return swish(z);
  }

  /** GELU, exact form z * Phi(z) (PyTorch's default, not the tanh approximation). */
  public static Tensor gelu(Tensor z) {
    return z.map(UnaryOp.GELU);
  }

  /** e^z / sum(e^z) along {@code dim} (stable: the maximum is subtracted first). */
  public static Tensor softmax(Tensor z, int dim) {
    return z.softmax(dim);
  }

  /** log softmax along {@code dim} (stable: z - max - log sum exp(z - max)). */
  public static Tensor logSoftmax(Tensor z, int dim) {
    return z.logSoftmax(dim);
  }
}
