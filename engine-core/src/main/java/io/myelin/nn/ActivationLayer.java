package io.myelin.nn;

import io.myelin.Tensor;

/**
 * An element-wise activation as a module (no parameters): PyTorch's {@code nn.ReLU}, {@code
 * nn.LeakyReLU(slope)}, {@code nn.Sigmoid}, ... in one class. Output shape = input shape. Behaves
 * the same in training and evaluation.
 *
 * <pre>{@code
 * Layer net = new Sequential(new Linear(2, 8), ActivationLayer.leakyRelu(0.1), new Linear(8, 1));
 * }</pre>
 */
public final class ActivationLayer extends Layer {
  private final Activation kind;
  private final double parameter;

  /** With the activation's default parameter. */
  public ActivationLayer(Activation kind) {
    this(kind, kind.defaultParameter());
  }

  /** With {@code parameter} (leaky slope or ELU alpha; ignored by the others). */
  public ActivationLayer(Activation kind, double parameter) {
    if (kind.isLayer()) {
      throw new IllegalArgumentException("maxout has weights: use new Maxout(in, out, k)");
    }
    this.kind = kind;
    this.parameter = parameter;
  }

  public static ActivationLayer step() {
    return new ActivationLayer(Activation.STEP);
  }

  public static ActivationLayer sign() {
    return new ActivationLayer(Activation.SIGN);
  }

  public static ActivationLayer identity() {
    return new ActivationLayer(Activation.IDENTITY);
  }

  public static ActivationLayer piecewiseLinear() {
    return new ActivationLayer(Activation.PIECEWISE);
  }

  public static ActivationLayer sigmoid() {
    return new ActivationLayer(Activation.SIGMOID);
  }

  public static ActivationLayer tanh() {
    return new ActivationLayer(Activation.TANH);
  }

  public static ActivationLayer hardTanh() {
    return new ActivationLayer(Activation.HARDTANH);
  }

  public static ActivationLayer relu() {
    return new ActivationLayer(Activation.RELU);
  }

  public static ActivationLayer leakyRelu() {
    return new ActivationLayer(Activation.LEAKY_RELU);
  }

  public static ActivationLayer leakyRelu(double slope) {
    return new ActivationLayer(Activation.LEAKY_RELU, slope);
  }

  public static ActivationLayer elu() {
    return new ActivationLayer(Activation.ELU);
  }

  public static ActivationLayer elu(double alpha) {
    return new ActivationLayer(Activation.ELU, alpha);
  }

  public static ActivationLayer softplus() {
    return new ActivationLayer(Activation.SOFTPLUS);
  }

  public static ActivationLayer swish() {
    return new ActivationLayer(Activation.SWISH);
  }

  public static ActivationLayer gelu() {
    return new ActivationLayer(Activation.GELU);
  }

  public Activation kind() {
    return kind;
  }

  public double parameter() {
    return parameter;
  }

  @Override
  public Tensor forward(Tensor input) {
    return kind.apply(input, parameter);
  }

  @Override
  public String toString() {
    return kind.displayName() + "(" + (Double.isNaN(parameter) ? "" : parameter) + ")";
  }
}
