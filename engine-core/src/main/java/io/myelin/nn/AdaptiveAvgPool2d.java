package io.myelin.nn;

import io.myelin.Tensor;

/**
 * Adaptive average pooling to a fixed output size, as PyTorch's {@code nn.AdaptiveAvgPool2d} (see
 * {@link Pooling#adaptiveAvgPool2d}); {@code new AdaptiveAvgPool2d(1)} is global average pooling
 * ({@code [N, C, H, W] -> [N, C, 1, 1]}). No parameters.
 */
public final class AdaptiveAvgPool2d extends Layer {
  private final int outH;
  private final int outW;

  public AdaptiveAvgPool2d(int size) {
    this(size, size);
  }

  public AdaptiveAvgPool2d(int outH, int outW) {
    if (outH < 1 || outW < 1) {
      throw new IllegalArgumentException(
          "AdaptiveAvgPool2d: output size must be positive, got (" + outH + ", " + outW + ")");
    }
    this.outH = outH;
    this.outW = outW;
  }

  public int[] outputSize() {
    return new int[] {outH, outW};
  }

  @Override
  public Tensor forward(Tensor input) {
    return Pooling.adaptiveAvgPool2d(input, outH, outW);
  }

  @Override
  protected String extraRepr() {
    return "output_size=(" + outH + ", " + outW + ")";
  }
}
