package io.myelin.nn;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import java.util.Arrays;

/**
 * Weight initialisation in place, as PyTorch's {@code torch.nn.init}: each function overwrites the
 * elements of a tensor (a parameter, under {@link Autograd#noGrad()} internally) with draws from a
 * seeded {@link Generator} (Philox, so the same seed gives the same weights on every device) and
 * returns it.
 *
 * <p>Fans follow PyTorch's {@code _calculate_fan_in_and_fan_out}: for a weight of shape {@code
 * [out, in, k...]}, {@code fan_in = in * prod(k)} and {@code fan_out = out * prod(k)}; a Linear
 * weight {@code [out, in]} has {@code fan_in = in}.
 *
 * <table>
 *   <caption>The schemes</caption>
 *   <tr><th>function</th><th>distribution</th></tr>
 *   <tr><td>xavierUniform</td><td>U(-r, r), r = gain * sqrt(6 / (fan_in + fan_out))</td></tr>
 *   <tr><td>xavierNormal</td><td>N(0, s), s = gain * sqrt(2 / (fan_in + fan_out))</td></tr>
 *   <tr><td>heUniform</td><td>U(-r, r), r = sqrt(6 / fan_in) (ReLU gain sqrt 2)</td></tr>
 *   <tr><td>heNormal</td><td>N(0, s), s = sqrt(2 / fan_in)</td></tr>
 *   <tr><td>lecunUniform</td><td>U(-r, r), r = sqrt(3 / fan_in) (variance 1 / fan_in)</td></tr>
 *   <tr><td>lecunNormal</td><td>N(0, s), s = sqrt(1 / fan_in)</td></tr>
 * </table>
 *
 * <pre>{@code
 * Linear fc = new Linear(256, 128);
 * Init.heNormal(fc.weight(), new Generator(42));
 * Init.zeros(fc.bias());
 * }</pre>
 */
public final class Init {
  private Init() {}

  /**
   * The fans of a weight of {@code shape}.
   *
   * @param fanIn inputs feeding each output unit
   * @param fanOut outputs each input unit feeds
   */
  public record Fans(int fanIn, int fanOut) {}

  /**
   * PyTorch's {@code _calculate_fan_in_and_fan_out}.
   *
   * @throws IllegalArgumentException for fewer than 2 dims (fans are undefined for vectors)
   */
  public static Fans fans(int[] shape) {
    if (shape.length < 2) {
      throw new IllegalArgumentException(
          "fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got shape "
              + Arrays.toString(shape));
    }
    int receptive = 1;
    for (int i = 2; i < shape.length; i++) {
      receptive *= shape[i];
    }
    return new Fans(shape[1] * receptive, shape[0] * receptive);
  }

  /** Sets every element to 0. */
  public static Tensor zeros(Tensor t) {
    return constant(t, 0);
  }

  /** Sets every element to 1. */
  public static Tensor ones(Tensor t) {
    return constant(t, 1);
  }

  /** Sets every element to {@code value}. */
  public static Tensor constant(Tensor t, double value) {
    try (var ignored = Autograd.noGrad()) {
      return t.fill(value);
    }
  }

  /** U(low, high). */
  public static Tensor uniform(Tensor t, double low, double high, Generator g) {
    try (var ignored = Autograd.noGrad();
        Tensor draw = Tensor.uniform(t.device(), t.dtype(), g, low, high, t.shape())) {
      return t.assign(draw);
    }
  }

  /** U(-r, r): the course's symmetric uniform. */
  public static Tensor uniform(Tensor t, double r, Generator g) {
    checkNonNegative("uniform", "r", r);
    return uniform(t, -r, r, g);
  }

  /** N(mean, std). */
  public static Tensor normal(Tensor t, double mean, double std, Generator g) {
    try (var ignored = Autograd.noGrad();
        Tensor draw = Tensor.normal(t.device(), t.dtype(), g, mean, std, t.shape())) {
      return t.assign(draw);
    }
  }

  /** N(0, std). */
  public static Tensor normal(Tensor t, double std, Generator g) {
    checkNonNegative("normal", "std", std);
    return normal(t, 0, std, g);
  }

  /** Glorot/Xavier uniform with gain 1: r = sqrt(6 / (fan_in + fan_out)). */
  public static Tensor xavierUniform(Tensor t, Generator g) {
    return xavierUniform(t, 1, g);
  }

  /** Glorot/Xavier uniform: r = gain * sqrt(6 / (fan_in + fan_out)). */
  public static Tensor xavierUniform(Tensor t, double gain, Generator g) {
    Fans f = fans(t.shape());
    return uniform(t, gain * Math.sqrt(6.0 / (f.fanIn() + f.fanOut())), g);
  }

  /** Glorot/Xavier normal with gain 1: std = sqrt(2 / (fan_in + fan_out)). */
  public static Tensor xavierNormal(Tensor t, Generator g) {
    return xavierNormal(t, 1, g);
  }

  public static Tensor xavierNormal(Tensor t, double gain, Generator g) {
    Fans f = fans(t.shape());
    return normal(t, gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut())), g);
  }

  /** He/Kaiming uniform for ReLU (fan_in mode, gain sqrt 2): r = sqrt(6 / fan_in). */
  public static Tensor heUniform(Tensor t, Generator g) {
    return kaimingUniform(t, 0, g);
  }

  /** He/Kaiming normal for ReLU (fan_in mode, gain sqrt 2): std = sqrt(2 / fan_in). */
  public static Tensor heNormal(Tensor t, Generator g) {
    return kaimingNormal(t, 0, g);
  }

  /**
   * Kaiming uniform for a leaky ReLU of negative slope {@code a} (fan_in mode): gain = sqrt(2 / (1
   * + a^2)), r = gain * sqrt(3 / fan_in). With {@code a = sqrt(5)} this is PyTorch's Linear
   * default, r = 1 / sqrt(fan_in).
   */
  public static Tensor kaimingUniform(Tensor t, double a, Generator g) {
    double gain = Math.sqrt(2.0 / (1 + a * a));
    return uniform(t, gain * Math.sqrt(3.0 / positiveFanIn(t)), g);
  }

  /** Kaiming normal for a leaky ReLU of negative slope {@code a}: std = gain / sqrt(fan_in). */
  public static Tensor kaimingNormal(Tensor t, double a, Generator g) {
    double gain = Math.sqrt(2.0 / (1 + a * a));
    return normal(t, gain / Math.sqrt(positiveFanIn(t)), g);
  }

  /** LeCun uniform (variance 1 / fan_in): r = sqrt(3 / fan_in). */
  public static Tensor lecunUniform(Tensor t, Generator g) {
    return uniform(t, Math.sqrt(3.0 / positiveFanIn(t)), g);
  }

  /**
   * LeCun normal (variance 1 / fan_in): std = sqrt(1 / fan_in); not truncated (Keras truncates).
   */
  public static Tensor lecunNormal(Tensor t, Generator g) {
    return normal(t, Math.sqrt(1.0 / positiveFanIn(t)), g);
  }

  private static int positiveFanIn(Tensor t) {
    int fanIn = fans(t.shape()).fanIn();
    if (fanIn == 0) {
      throw new IllegalArgumentException(
          "initialising a tensor of shape " + Arrays.toString(t.shape()) + " with zero fan_in");
    }
    return fanIn;
  }

  private static void checkNonNegative(String fn, String what, double v) {
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new IllegalArgumentException(fn + ": " + what + " must be finite and >= 0, got " + v);
    }
  }
}
