package io.myelin.nn;

import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Max pooling layer, as PyTorch's {@code nn.MaxPool2d} (see {@link Pooling#maxPool2d}); stride
 * defaults to the kernel size. No parameters.
 *
 * <pre>{@code
 * new MaxPool2d(2).forward(x);   // [N, C, 28, 28] -> [N, C, 14, 14]
 * }</pre>
 */
public final class MaxPool2d extends Layer {
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;
  private final boolean ceilMode;

  public MaxPool2d(int kernel) {
    this(new int[] {kernel}, null, new int[] {0}, false);
  }

  /**
   * @param stride null for the kernel size
   */
  public MaxPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
    this.kernel = Convolution.pair("kernel_size", kernel);
    this.stride = stride == null ? this.kernel : Convolution.pair("stride", stride);
    this.padding = Convolution.pair("padding", padding);
    this.ceilMode = ceilMode;
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
            true);
    return new int[] {g.outH(), g.outW()};
  }

  @Override
  public Tensor forward(Tensor input) {
    return Pooling.maxPool2d(input, kernel, stride, padding, ceilMode);
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
        + ceilMode;
  }
}
