package io.myelin.nn;

import io.myelin.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * The activation functions by their command-line names, each with its default parameter.
 *
 * <p>{@link #MAXOUT} is not element-wise: it is a layer with weights ({@link Maxout}), so {@link
 * #apply} and {@link #layer()} reject it; check {@link #isLayer()} and build {@code new Maxout(in,
 * out, k)} instead.
 *
 * <pre>{@code
 * Activation a = Activation.byName("leaky-relu");
 * Layer layer = a.layer();          // LeakyReLU(slope=0.01)
 * Tensor y = a.apply(x, 0.2);         // with another slope
 * }</pre>
 */
public enum Activation {
  STEP("step", "Step", Double.NaN, (z, p) -> Activations.step(z)),
  SIGN("sign", "Sign", Double.NaN, (z, p) -> Activations.sign(z)),
  IDENTITY("identity", "Identity", Double.NaN, (z, p) -> Activations.identity(z)),
  PIECEWISE("piecewise", "PiecewiseLinear", Double.NaN, (z, p) -> Activations.piecewiseLinear(z)),
  SIGMOID("sigmoid", "Sigmoid", Double.NaN, (z, p) -> Activations.sigmoid(z)),
  TANH("tanh", "Tanh", Double.NaN, (z, p) -> Activations.tanh(z)),
  HARDTANH("hardtanh", "Hardtanh", Double.NaN, (z, p) -> Activations.hardTanh(z)),
  RELU("relu", "ReLU", Double.NaN, (z, p) -> Activations.relu(z)),
  /** Parameter: negative slope (default 0.01). */
  LEAKY_RELU("leaky-relu", "LeakyReLU", Activations.DEFAULT_LEAKY_SLOPE, Activations::leakyRelu),
  /** Parameter: alpha (default 1). */
  ELU("elu", "ELU", Activations.DEFAULT_ELU_ALPHA, Activations::elu),
  SOFTPLUS("softplus", "Softplus", Double.NaN, (z, p) -> Activations.softplus(z)),
  SWISH("swish", "SiLU", Double.NaN, (z, p) -> Activations.swish(z)),
  GELU("gelu", "GELU", Double.NaN, (z, p) -> Activations.gelu(z)),
  /** A layer, see {@link Maxout}. */
  MAXOUT("maxout", "Maxout", Double.NaN, null);

  private final String cliName;
  private final String displayName;
  private final double defaultParameter;
  private final BiFunction<Tensor, Double, Tensor> fn;

  Activation(
      String cliName,
      String displayName,
      double defaultParameter,
      BiFunction<Tensor, Double, Tensor> fn) {
    this.cliName = cliName;
    this.displayName = displayName;
    this.defaultParameter = defaultParameter;
    this.fn = fn;
  }

  /** The command-line name, e.g. {@code leaky-relu}. */
  public String cliName() {
    return cliName;
  }

  /** PyTorch's class name, e.g. {@code LeakyReLU}. */
  public String displayName() {
    return displayName;
  }

  /** The default slope / alpha, or NaN for activations without a parameter. */
  public double defaultParameter() {
    return defaultParameter;
  }

  /** True for {@link #MAXOUT}, which has weights and needs layer sizes. */
  public boolean isLayer() {
    return fn == null;
  }

  /**
   * Looks an activation up by command-line name (case-insensitive; {@code _} for {@code -}, {@code
   * silu} for swish, {@code leakyrelu} and {@code piecewise-linear} accepted).
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static Activation byName(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (Activation a : values()) {
      if (a.cliName.equals(n)) {
        return a;
      }
    }
    return switch (n) {
      case "silu" -> SWISH;
      case "leakyrelu" -> LEAKY_RELU;
      case "piecewise-linear" -> PIECEWISE;
      case "hard-tanh" -> HARDTANH;
      case "heaviside" -> STEP;
      case "linear" -> IDENTITY;
      default ->
          throw new IllegalArgumentException(
              "unknown activation '"
                  + name
                  + "'; expected one of "
                  + Arrays.stream(values())
                      .map(Activation::cliName)
                      .collect(Collectors.joining(", ")));
    };
  }

  /** Applies this activation with its default parameter. */
  public Tensor apply(Tensor z) {
    return apply(z, defaultParameter);
  }

  /** Applies this activation with {@code parameter} (slope or alpha; ignored by the others). */
  public Tensor apply(Tensor z, double parameter) {
    if (isLayer()) {
      throw new UnsupportedOperationException(
          "maxout is a layer with weights: use new Maxout(in, out, k)");
    }
    return fn.apply(z, parameter);
  }

  /** A module applying this activation with its default parameter. */
  public ActivationLayer layer() {
    return new ActivationLayer(this);
  }

  /** A module applying this activation with {@code parameter}. */
  public ActivationLayer layer(double parameter) {
    return new ActivationLayer(this, parameter);
  }
}
