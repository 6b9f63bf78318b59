package io.myelin.backend;

/**
 * The windows of a 2-D pooling over planes of {@code height x width} elements, as {@link
 * Backend#maxPool2d} and {@link Backend#avgPool2d} use them: output (oh, ow) covers input rows
 * {@code [oh * strideH - padH, oh * strideH - padH + kernelH)} and the matching columns, clipped to
 * the input (max pooling never picks a padded position).
 *
 * <p>Average pooling divides, as PyTorch, by the window's size clipped to the padded input ({@code
 * countIncludePad}: the padding counts, but not the ceil-mode overhang beyond it) or by the number
 * of real input elements in it (not {@code countIncludePad}).
 *
 * <pre>{@code
 * var g = PoolGeometry.of(28, 28, 2, 2, 2, 2, 0, 0, false, true);   // 2x2 max/avg pool: 14x14
 * }</pre>
 */
public record PoolGeometry(
    int height,
    int width,
    int kernelH,
    int kernelW,
    int strideH,
    int strideW,
    int padH,
    int padW,
    int outH,
    int outW,
    boolean countIncludePad) {
  public PoolGeometry {
    if (height < 1
        || width < 1
        || kernelH < 1
        || kernelW < 1
        || strideH < 1
        || strideW < 1
        || padH < 0
        || padW < 0
        || outH < 1
        || outW < 1) {
      throw new IllegalArgumentException(
          "invalid pooling geometry (input "
              + height
              + "x"
              + width
              + ", kernel "
              + kernelH
              + "x"
              + kernelW
              + ", stride "
              + strideH
              + "x"
              + strideW
              + ", padding "
              + padH
              + "x"
              + padW
              + ", output "
              + outH
              + "x"
              + outW
              + ")");
    }
  }

  /**
   * PyTorch's pooling geometry: {@code out = (in + 2 pad - kernel + (ceilMode ? stride - 1 : 0)) /
   * stride + 1}, less one when ceil mode would start the last window in the right padding or
   * beyond.
   *
   * @throws IllegalArgumentException as PyTorch: padding more than half the kernel, or an output
   *     smaller than 1x1
   */
  public static PoolGeometry of(
      int height,
      int width,
      int kernelH,
      int kernelW,
      int strideH,
      int strideW,
      int padH,
      int padW,
      boolean ceilMode,
      boolean countIncludePad) {
    if (kernelH < 1 || kernelW < 1) {
      throw new IllegalArgumentException(
          "pooling: kernel size must be positive, got (" + kernelH + ", " + kernelW + ")");
    }
    if (strideH < 1 || strideW < 1) {
      throw new IllegalArgumentException(
          "pooling: stride must be positive, got (" + strideH + ", " + strideW + ")");
    }
    if (padH < 0 || padW < 0 || padH > kernelH / 2 || padW > kernelW / 2) {
      throw new IllegalArgumentException(
          "pooling: pad should be at most half of effective kernel "
              + "size, but got pad=("
              + padH
              + ", "
              + padW
              + "), kernel_size=("
              + kernelH
              + ", "
              + kernelW
              + ")");
    }
    int outH = outputSize(height, kernelH, padH, strideH, ceilMode);
    int outW = outputSize(width, kernelW, padW, strideW, ceilMode);
    if (outH < 1 || outW < 1) {
      throw new IllegalArgumentException(
          "pooling: given input size ("
              + height
              + "x"
              + width
              + "), calculated output size ("
              + outH
              + "x"
              + outW
              + "): output size is too small");
    }
    return new PoolGeometry(
        height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH, outW, countIncludePad);
  }

  /** PyTorch's {@code pooling_output_shape} (dilation 1). */
  static int outputSize(int in, int kernel, int pad, int stride, boolean ceilMode) {
    long span = (long) in + 2L * pad - kernel + (ceilMode ? stride - 1 : 0);
    long out = Math.floorDiv(span, stride) + 1;
    if (ceilMode && (out - 1) * stride >= (long) in + pad) {
      out--; // the last window would start in the trailing padding: drop it
    }
    return (int) Math.max(Math.min(out, Integer.MAX_VALUE), Integer.MIN_VALUE);
  }

  /** Elements of one input plane. */
  public int inPlane() {
    return height * width;
  }

  /** Elements of one output plane. */
  public int outPlane() {
    return outH * outW;
  }
}
