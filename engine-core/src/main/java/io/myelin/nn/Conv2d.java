package io.myelin.nn;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * 2-D convolution layer, as PyTorch's {@code nn.Conv2d} (see {@link Convolution#conv2d}).
 *
 * <p>Shapes: input {@code [N, in, H, W]}, weight {@code [out, in / groups, kH, kW]}, bias {@code
 * [out]}, output {@code [N, out, Ho, Wo]}; the state_dict names are {@code weight} and {@code
 * bias}, so a model saved here loads into {@code torch.nn.Conv2d} and back. Default initialisation
 * is PyTorch's: {@code kaiming_uniform(a = sqrt(5))}, i.e. weight and bias U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)) with {@code fan_in = in / groups * kH * kW}. Float32 on the default device.
 *
 * <pre>{@code
 * Conv2d conv = new Conv2d(1, 32, 3, new Generator(0));         // 3x3, stride 1, no padding
 * Conv2d dw = new Conv2d(32, 32, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1},
 *     new int[] {1, 1}, 32, true, new Generator(1));            // depthwise, "same" size
 * }</pre>
 */
public final class Conv2d extends Layer {
  private final int inChannels;
  private final int outChannels;
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;
  private final int[] dilation;
  private final int groups;
  private final boolean hasBias;

  /** Square kernel, stride 1, no padding, with bias, randomly seeded. */
  public Conv2d(int inChannels, int outChannels, int kernel) {
    this(inChannels, outChannels, kernel, new Generator(ThreadLocalRandom.current().nextLong()));
  }

  /** Square kernel, stride 1, no padding, with bias, weights from {@code generator}. */
  public Conv2d(int inChannels, int outChannels, int kernel, Generator generator) {
    this(
        inChannels,
        outChannels,
        new int[] {kernel},
        new int[] {1},
        new int[] {0},
        new int[] {1},
        1,
        true,
        generator);
  }

  /**
   * @param kernel {@code {kH, kW}} or one value
   * @param stride {@code {sH, sW}} or one value
   * @param padding {@code {pH, pW}} or one value (zeros on both sides)
   * @param dilation {@code {dH, dW}} or one value
   * @param groups divides both channel counts
   */
  public Conv2d(
      int inChannels,
      int outChannels,
      int[] kernel,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups,
      boolean bias,
      Generator generator) {
    if (inChannels < 1 || outChannels < 1) {
      throw new IllegalArgumentException(
          "Conv2d: channel counts must be positive, got in=" + inChannels + ", out=" + outChannels);
    }
    if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
      throw new IllegalArgumentException(
          "Conv2d: groups="
              + groups
              + " must divide in_channels="
              + inChannels
              + " and out_channels="
              + outChannels);
    }
    this.kernel = Convolution.pair("kernel_size", kernel);
    this.stride = Convolution.pair("stride", stride);
    this.padding = Convolution.pair("padding", padding);
    this.dilation = Convolution.pair("dilation", dilation);
    if (this.kernel[0] < 1
        || this.kernel[1] < 1
        || this.stride[0] < 1
        || this.stride[1] < 1
        || this.dilation[0] < 1
        || this.dilation[1] < 1
        || this.padding[0] < 0
        || this.padding[1] < 0) {
      throw new IllegalArgumentException(
          "Conv2d: kernel, stride and dilation must be positive and "
              + "padding non-negative, got kernel="
              + Arrays.toString(this.kernel)
              + ", stride="
              + Arrays.toString(this.stride)
              + ", padding="
              + Arrays.toString(this.padding)
              + ", dilation="
              + Arrays.toString(this.dilation));
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.hasBias = bias;
    int fanIn = inChannels / groups * this.kernel[0] * this.kernel[1];
    double bound = 1 / Math.sqrt(fanIn);
    var device = Tensor.defaultDevice();
    registerParameter(
        "weight",
        Tensor.uniform(
            device,
            DType.FLOAT32,
            generator,
            -bound,
            bound,
            outChannels,
            inChannels / groups,
            this.kernel[0],
            this.kernel[1]));
    if (bias) {
      registerParameter(
          "bias", Tensor.uniform(device, DType.FLOAT32, generator, -bound, bound, outChannels));
    }
  }

  public Tensor weight() {
    return parameter("weight");
  }

  /** The bias, or null when built without one. */
  public Tensor bias() {
    return hasBias ? parameter("bias") : null;
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  /** {@code {kH, kW}} (a copy). */
  public int[] kernelSize() {
    return kernel.clone();
  }

  /** {@code {sH, sW}} (a copy). */
  public int[] stride() {
    return stride.clone();
  }

  /** {@code {pH, pW}}, zeros on both sides (a copy). */
  public int[] padding() {
    return padding.clone();
  }

  /** {@code {dH, dW}} (a copy). */
  public int[] dilation() {
    return dilation.clone();
  }

  public int groups() {
    return groups;
  }

  /** The output {@code {Ho, Wo}} for an input of {@code h x w}. */
  public int[] outputSize(int h, int w) {
    return new int[] {
      (h + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1,
      (w + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1
    };
  }

  /** {@code [N, in, H, W] -> [N, out, Ho, Wo]}. */
  @Override
  public Tensor forward(Tensor input) {
    return Convolution.conv2d(input, weight(), bias(), stride, padding, dilation, groups);
  }

  @Override
  protected String extraRepr() {
    return inChannels
        + ", "
        + outChannels
        + ", kernel_size="
        + Arrays.toString(kernel)
        + ", stride="
        + Arrays.toString(stride)
        + ", padding="
        + Arrays.toString(padding)
        + (dilation[0] == 1 && dilation[1] == 1 ? "" : ", dilation=" + Arrays.toString(dilation))
        + (groups == 1 ? "" : ", groups=" + groups)
        + ", bias="
        + hasBias;
  }
}
