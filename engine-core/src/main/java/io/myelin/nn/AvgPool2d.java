package io.myelin.nn;

import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Average pooling layer, as PyTorch's {@code nn.AvgPool2d} (see {@link Pooling#avgPool2d}); stride
 * defaults to the kernel size, {@code count_include_pad} to true. No parameters.
 */
public final class AvgPool2d extends Layer {
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;
  private final boolean ceilMode;
  private final boolean countIncludePad;

  public AvgPool2d(int kernel) {
    this(new int[] {kernel}, null, new int[] {0}, false, true);
  }

  /**
   * @param stride null for the kernel size
   */
  public AvgPool2d(
      int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
    this.kernel = Convolution.pair("kernel_size", kernel);
    this.stride = stride == null ? this.kernel : Convolution.pair("stride", stride);
    this.padding = Convolution.pair("padding", padding);
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
  }

  /** {@code {kH, kW}} (a copy). */
  public int[] kernelSize() {
    return kernel.clone();
  }

  /** {@code {sH, sW}} (a copy). */
  public int[] stride() {
    return stride.clone();
  }

  /** {@code {pH, pW}}, on both sides (a copy). */
  public int[] padding() {
    return padding.clone();
  }

  public boolean ceilMode() {
    return ceilMode;
  }

  public boolean countIncludePad() {
    return countIncludePad;
  }

  /** The output {@code {Ho, Wo}} for an input of {@code h x w}. */
  public int[] outputSize(int h, int w) {
    var g =
        io.myelin.backend.PoolGeometry.of(
            h,
            w,
            kernel[0],
            kernel[1],
            stride[0],
            stride[1],
            padding[0],
            padding[1],
            ceilMode,
            countIncludePad);
    return new int[] {g.outH(), g.outW()};
  }

  @Override
  public Tensor forward(Tensor input) {
    return Pooling.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad);
  }

  @Override
  protected String extraRepr() {
    return "kernel_size="
        + Arrays.toString(kernel)
        + ", stride="
        + Arrays.toString(stride)
        + ", padding="
        + Arrays.toString(padding)
        + ", ceil_mode="
        + ceilMode
        + ", count_include_pad="
        + countIncludePad;
  }
}
