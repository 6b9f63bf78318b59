package io.myelin.backend;

/**
 * The index map of a 2-D convolution over one image of {@code channels x height x width} elements,
 * as {@link Backend#im2col} and {@link Backend#col2im} use it: a kernel of {@code kernelH x
 * kernelW} taps spaced by the dilation, moved by the stride, with {@code padH}/{@code padW} zeros
 * before the first row/column. The output has {@code outH x outW} positions; input taps outside the
 * image (the padding, including any extra padding after the last row/column) read 0.
 *
 * <p>Output position (oh, ow), tap (i, j) reads input row {@code oh * strideH - padH + i *
 * dilationH} and column {@code ow * strideW - padW + j * dilationW}.
 *
 * <pre>{@code
 * var g = ConvGeometry.of(3, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1);   // 3x3, stride 1, pad 1: 28x28 out
 * }</pre>
 */
public record ConvGeometry(
    int channels,
    int height,
    int width,
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padH,
    int padW,
    int dilationH,
    int dilationW,
    int outH,
    int outW) {
  public ConvGeometry {
    if (channels < 1
        || height < 1
        || width < 1
        || kernelH < 1
        || kernelW < 1
        || strideH < 1
        || strideW < 1
        || dilationH < 1
        || dilationW < 1
        || padH < 0
        || padW < 0
        || outH < 1
        || outW < 1) {
      throw new IllegalArgumentException(
          "invalid convolution geometry "
              + describe(
                  channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
                  dilationH, dilationW, outH, outW));
    }
    if ((long) channels * kernelH * kernelW > Integer.MAX_VALUE
        || (long) outH * outW > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "convolution geometry too large: "
              + describe(
                  channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
                  dilationH, dilationW, outH, outW));
    }
  }

  /**
   * The geometry with the same padding on both sides (PyTorch's integer padding): {@code out = (in
   * + 2 pad - dilation (kernel - 1) - 1) / stride + 1}, rounded down.
   *
   * @throws IllegalArgumentException when the dilated kernel is larger than the padded input
   */
  public static ConvGeometry of(
      int channels,
      int height,
      int width,
      int kernelH,
      int kernelW,
      int strideH,
      int strideW,
      int padH,
      int padW,
      int dilationH,
      int dilationW) {
    return of(
        channels, height, width, kernelH, kernelW, strideH, strideW, padH, padH, padW, padW,
        dilationH, dilationW);
  }

  /**
   * The geometry with separate leading and trailing padding (PyTorch's {@code padding="same"} with
   * an even dilated kernel puts the extra zero after the input).
   */
  public static ConvGeometry of(
      int channels,
      int height,
      int width,
      int kernelH,
      int kernelW,
      int strideH,
      int strideW,
      int padTop,
      int padBottom,
      int padLeft,
      int padRight,
      int dilationH,
      int dilationW) {
    long spanH = (long) dilationH * (kernelH - 1) + 1;
    long spanW = (long) dilationW * (kernelW - 1) + 1;
    long paddedH = (long) height + padTop + padBottom;
    long paddedW = (long) width + padLeft + padRight;
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(
          "convolution: stride must be positive, got (" + strideH + ", " + strideW + ")");
    }
    if (paddedH < spanH || paddedW < spanW) {
      throw new IllegalArgumentException(
          "convolution: calculated padded input size per channel: ("
              + paddedH
              + " x "
              + paddedW
              + "). Kernel size: ("
              + spanH
              + " x "
              + spanW
              + "). Kernel size can't be greater than actual input size");
    }
    int outH = (int) ((paddedH - spanH) / strideH + 1);
    int outW = (int) ((paddedW - spanW) / strideW + 1);
    return new ConvGeometry(
        channels, height, width, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH,
        dilationW, outH, outW);
  }

  /** Elements of one input image: {@code channels * height * width}. */
  public int imageSize() {
    return channels * height * width;
  }

  /** Rows of the column matrix: {@code channels * kernelH * kernelW}. */
  public int colRows() {
    return channels * kernelH * kernelW;
  }

  /** Output positions of one image: {@code outH * outW}. */
  public int outPlane() {
    return outH * outW;
  }

  private static String describe(
      int c,
      int h,
      int w,
      int kh,
      int kw,
      int sh,
      int sw,
      int ph,
      int pw,
      int dh,
      int dw,
      int oh,
      int ow) {
    return "(channels "
        + c
        + ", input "
        + h
        + "x"
        + w
        + ", kernel "
        + kh
        + "x"
        + kw
        + ", stride "
        + sh
        + "x"
        + sw
        + ", padding "
        + ph
        + "x"
        + pw
        + ", dilation "
        + dh
        + "x"
        + dw
        + ", output "
        + oh
        + "x"
        + ow
        + ")";
  }
}
