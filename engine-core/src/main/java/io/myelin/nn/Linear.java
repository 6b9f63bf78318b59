package io.myelin.nn;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Fully connected layer {@code y = x W^T + b}, as PyTorch's {@code nn.Linear}.
 *
 * <p>Shapes: input {@code [*, in]}, weight {@code [out, in]}, bias {@code [out]}, output {@code [*,
 * out]}. Default initialisation is PyTorch's: {@code kaiming_uniform(a = sqrt(5))} for the weight,
 * i.e. U(-1/sqrt(in), 1/sqrt(in)), and the same bound for the bias. Parameters are float32 on the
 * default device; use {@link Layer#to} to change either.
 *
 * <pre>{@code
 * Linear fc = new Linear(4, 3, true, new Generator(0));   // reproducible weights
 * Tensor y = fc.forward(Tensor.randn(new Generator(1), 5, 4));   // [5, 3]
 * }</pre>
 */
public final class Linear extends Layer {
  private final int inFeatures;
  private final int outFeatures;
  private final boolean hasBias;

  /** With bias, weights drawn from the default stream ({@link Generator#manualSeed(long)}). */
  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, true);
  }

  public Linear(int inFeatures, int outFeatures, boolean bias) {
    this(inFeatures, outFeatures, bias, Generator.fromDefault());
  }

  /** Weights drawn from {@code generator}: the same seed gives the same layer on any device. */
  public Linear(int inFeatures, int outFeatures, boolean bias, Generator generator) {
    if (inFeatures < 0 || outFeatures < 0) {
      throw new IllegalArgumentException(
          "Linear: feature counts must be >= 0, got in=" + inFeatures + ", out=" + outFeatures);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = bias;
    double bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    var device = Tensor.defaultDevice();
    registerParameter(
        "weight",
        Tensor.uniform(device, DType.FLOAT32, generator, -bound, bound, outFeatures, inFeatures));
    if (bias) {
      registerParameter(
          "bias", Tensor.uniform(device, DType.FLOAT32, generator, -bound, bound, outFeatures));
    }
  }

  /** The weight {@code [out, in]} (the tensor currently held). */
  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias {@code [out]}, or null when built without one. */
  public Tensor bias() {
    return hasBias ? parameter("bias") : null;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  /** {@code [*, in] -> [*, out]}. */
  @Override
  public Tensor forward(Tensor input) {
    if (input.rank() == 0 || input.size(-1) != inFeatures) {
      throw new IllegalArgumentException(
          "Linear(in="
              + inFeatures
              + ", out="
              + outFeatures
              + "): input shape "
              + Arrays.toString(input.shape())
              + " must end in "
              + inFeatures);
    }
    // matmul takes the transposed view of W without a copy.
    Tensor y = input.matmul(weight().t());
    return hasBias ? y.add(bias()) : y;
  }

  @Override
  protected String extraRepr() {
    return "in=" + inFeatures + ", out=" + outFeatures + ", bias=" + hasBias;
  }
}
