package io.myelin.nn;

import io.myelin.DType;
import io.myelin.ShapeMismatchException;
import io.myelin.Tensor;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.OpContext;
import io.myelin.backend.Backend;
import io.myelin.backend.PoolGeometry;
import java.util.Arrays;

/**
 * 2-D pooling as PyTorch's {@code torch.nn.functional} ({@code max_pool2d}, {@code avg_pool2d},
 * {@code adaptive_avg_pool2d}), over the last two axes of a 3-D {@code [C, H, W]} or 4-D {@code [N,
 * C, H, W]} tensor. Max and average pooling are one backend primitive each way, written as {@link
 * DifferentiableOp}s (max pooling saves the INT32 argmax indices); adaptive average pooling is
 * composed from them or from means.
 *
 * <pre>{@code
 * Tensor y = Pooling.maxPool2d(x, 2);                                  // 2x2, stride 2
 * Tensor z = Pooling.avgPool2d(x, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, true, false);
 * Tensor g = Pooling.adaptiveAvgPool2d(x, 1, 1);                       // global average pooling
 * }</pre>
 */
public final class Pooling {
  private Pooling() {}

  /** {@code maxPool2d(x, {k, k}, {k, k}, {0, 0}, false)}. */
  public static Tensor maxPool2d(Tensor input, int kernel) {
    return maxPool2d(input, new int[] {kernel}, null, new int[] {0}, false);
  }

  /**
   * Max pooling: each output is the maximum of its window (padding never wins; ties go to the first
   * position in row-major order; NaN propagates), as PyTorch's {@code max_pool2d}.
   *
   * @param kernel {@code {kH, kW}} or one value
   * @param stride {@code {sH, sW}}, one value, or null (PyTorch's default: the kernel size)
   * @param padding {@code {pH, pW}} or one value, at most half the kernel
   * @param ceilMode round the output size up (a window may hang over the end of the input)
   */
  public static Tensor maxPool2d(
      Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
    PoolGeometry g = geometry("maxPool2d", input, kernel, stride, padding, ceilMode, true);
    int planes = input.numel() / g.inPlane();
    int[] outShape = outShape(input, g);
    return new DifferentiableOp("maxPool2d") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor x = in[0].contiguous();
        Tensor y = Tensor.empty(x.device(), x.dtype(), outShape);
        Tensor indices = Tensor.empty(x.device(), DType.INT32, outShape);
        backend(x)
            .maxPool2d(
                g, planes, x.storage(), x.layout().offset(), y.storage(), 0, indices.storage(), 0);
        ctx.save(indices);
        return y;
      }

      // Each upstream gradient goes to its window's argmax.
      @Override
      protected Tensor[] backward(OpContext ctx, Tensor gy) {
        return new Tensor[] {scatterToArgmax(gy, ctx.saved(0), g, planes, input.shape())};
      }

      // Piecewise linear: dy = dx at the primal's argmax (the saved indices, so the same ties and
      // NaN choices as the primal), one row gather over all planes.
      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        return gatherAtArgmax(t[0], ctx.saved(0), g, planes, input.shape(), outShape);
      }

      // The backward is linear in gy with constant indices: its tangent is the backward of dgy.
      @Override
      protected Tensor[] backwardTangent(
          OpContext ctx, Tensor gy, Tensor[] grads, Tensor tg, Tensor[] inputTangents) {
        return new Tensor[] {tg == null ? null : backward(ctx, tg)[0]};
      }

      @Override
      protected boolean hasDifferentiableBackward() {
        return false; // a backend primitive
      }
    }.apply(input);
  }

  /**
   * The max-pool backward primitive: {@code gx} of {@code inShape}, zero but for each {@code gy}
   * added at its plane's argmax {@code indices} (the backward of both maxPool2d and the tangent
   * gather below).
   */
  private static Tensor scatterToArgmax(
      Tensor gy, Tensor indices, PoolGeometry g, int planes, int[] inShape) {
    Tensor gc = gy.contiguous();
    Tensor gx = Tensor.empty(gc.device(), gc.dtype(), inShape);
    backend(gc)
        .maxPool2dBackward(
            g,
            planes,
            gc.storage(),
            gc.layout().offset(),
            indices.storage(),
            indices.layout().offset(),
            gx.storage(),
            0);
    return gx;
  }

  /**
   * {@code t[p, indices[p, o]]} for every plane p and output o: the plane-local argmax indices
   * become flat ones (exact in float64: they are below 2^31) and one {@code gatherRows} of
   * one-element rows reads them. Itself an op, so that reverse mode through a tangent (a jvp inside
   * a recorded graph) is right: its backward is the max-pool backward (the scatter to the same
   * indices), its tangent the same gather.
   */
  private static Tensor gatherAtArgmax(
      Tensor t, Tensor indices, PoolGeometry g, int planes, int[] inShape, int[] outShape) {
    return new DifferentiableOp("maxPool2dTangent") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor base =
            Tensor.arange(planes)
                .to(DType.FLOAT64)
                .mul((double) g.inPlane())
                .to(in[0].device())
                .reshape(planes, 1);
        Tensor flat =
            indices.reshape(planes, -1).to(DType.FLOAT64).add(base).to(DType.INT32).reshape(-1);
        return in[0].contiguous().reshape(-1).indexSelectRows(flat).reshape(outShape);
      }

      @Override
      protected Tensor[] backward(OpContext ctx, Tensor gy) {
        return new Tensor[] {scatterToArgmax(gy, indices, g, planes, inShape)};
      }

      @Override
      protected Tensor tangent(OpContext ctx, Tensor... dt) {
        return apply(dt[0]); // linear
      }

      @Override
      protected Tensor[] backwardTangent(
          OpContext ctx, Tensor gy, Tensor[] grads, Tensor tg, Tensor[] inputTangents) {
        return new Tensor[] {tg == null ? null : backward(ctx, tg)[0]};
      }

      @Override
      protected boolean hasDifferentiableBackward() {
        return false; // a backend primitive
      }
    }.apply(t);
  }

  /** {@code avgPool2d(x, {k, k}, {k, k}, {0, 0}, false, true)}. */
  public static Tensor avgPool2d(Tensor input, int kernel) {
    return avgPool2d(input, new int[] {kernel}, null, new int[] {0}, false, true);
  }

  /**
   * Average pooling as PyTorch's {@code avg_pool2d}: the window's sum (padding counts as 0) over
   * the window's size clipped to the padded input ({@code countIncludePad}) or over the number of
   * real input elements in it.
   *
   * @param stride {@code {sH, sW}}, one value, or null (the kernel size)
   */
  public static Tensor avgPool2d(
      Tensor input,
      int[] kernel,
      int[] stride,
      int[] padding,
      boolean ceilMode,
      boolean countIncludePad) {
    PoolGeometry g =
        geometry("avgPool2d", input, kernel, stride, padding, ceilMode, countIncludePad);
    int planes = input.numel() / g.inPlane();
    int[] outShape = outShape(input, g);
    return new DifferentiableOp("avgPool2d") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor x = in[0].contiguous();
        Tensor y = Tensor.empty(x.device(), x.dtype(), outShape);
        backend(x).avgPool2d(g, planes, x.storage(), x.layout().offset(), y.storage(), 0);
        return y;
      }

      // Each input element receives gy / divisor from every window that contains it.
      @Override
      protected Tensor[] backward(OpContext ctx, Tensor gy) {
        Tensor gc = gy.contiguous();
        Tensor gx = Tensor.empty(gc.device(), gc.dtype(), input.shape());
        backend(gc)
            .avgPool2dBackward(g, planes, gc.storage(), gc.layout().offset(), gx.storage(), 0);
        return new Tensor[] {gx};
      }

      // Linear: the tangent is the same pooling of dx (applied as this op, so that reverse mode
      // through the tangent is recorded too).
      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        return apply(t[0]);
      }

      // The backward is linear in gy alone: its tangent is the backward of dgy.
      @Override
      protected Tensor[] backwardTangent(
          OpContext ctx, Tensor gy, Tensor[] grads, Tensor tg, Tensor[] inputTangents) {
        return new Tensor[] {tg == null ? null : backward(ctx, tg)[0]};
      }

      @Override
      protected boolean hasDifferentiableBackward() {
        return false; // a backend primitive
      }
    }.apply(input);
  }

  /**
   * Adaptive average pooling to {@code outH x outW} as PyTorch's {@code adaptive_avg_pool2d}:
   * output (i, j) averages rows {@code [floor(i H / outH), ceil((i + 1) H / outH))} and the
   * matching columns. Global pooling (1 x 1) is a mean over the last two axes; sizes that divide
   * the input are an average pooling with kernel = stride = input / output; other sizes are a mean
   * per window (differentiable, slower).
   */
  public static Tensor adaptiveAvgPool2d(Tensor input, int outH, int outW) {
    checkRank("adaptiveAvgPool2d", input);
    if (outH < 1 || outW < 1) {
      throw new IllegalArgumentException(
          "adaptiveAvgPool2d: output size must be positive, got (" + outH + ", " + outW + ")");
    }
    int r = input.rank();
    int h = input.size(r - 2), w = input.size(r - 1);
    if (outH == 1 && outW == 1) {
      return input.mean(new int[] {r - 2, r - 1}, true);
    }
    if (h % outH == 0 && w % outW == 0) {
      int[] k = {h / outH, w / outW};
      return avgPool2d(input, k, k, new int[] {0, 0}, false, true);
    }
    Tensor[] rows = new Tensor[outH];
    for (int i = 0; i < outH; i++) {
      int h0 = (int) ((long) i * h / outH), h1 = (int) (((long) (i + 1) * h + outH - 1) / outH);
      Tensor[] cells = new Tensor[outW];
      for (int j = 0; j < outW; j++) {
        int w0 = (int) ((long) j * w / outW), w1 = (int) (((long) (j + 1) * w + outW - 1) / outW);
        cells[j] =
            input
                .narrow(r - 2, h0, h1 - h0)
                .narrow(r - 1, w0, w1 - w0)
                .mean(new int[] {r - 2, r - 1}, true);
      }
      rows[i] = Tensor.concat(r - 1, cells);
    }
    return Tensor.concat(r - 2, rows);
  }

  private static PoolGeometry geometry(
      String op,
      Tensor input,
      int[] kernel,
      int[] stride,
      int[] padding,
      boolean ceilMode,
      boolean countIncludePad) {
    checkRank(op, input);
    FusedLayers.checkFloating(op, input);
    int[] k = Convolution.pair(op + " kernel_size", kernel);
    int[] s = stride == null || stride.length == 0 ? k : Convolution.pair(op + " stride", stride);
    int[] p = Convolution.pair(op + " padding", padding);
    int r = input.rank();
    return PoolGeometry.of(
        input.size(r - 2),
        input.size(r - 1),
        k[0],
        k[1],
        s[0],
        s[1],
        p[0],
        p[1],
        ceilMode,
        countIncludePad);
  }

  private static void checkRank(String op, Tensor input) {
    if (input.rank() != 3 && input.rank() != 4) {
      throw new ShapeMismatchException(
          op
              + ": expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, "
              + "got "
              + Arrays.toString(input.shape()));
    }
    if (input.numel() == 0) {
      throw new ShapeMismatchException(
          op + ": expected an input with non-zero sizes, got " + Arrays.toString(input.shape()));
    }
  }

  private static int[] outShape(Tensor input, PoolGeometry g) {
    int[] s = input.shape().clone();
    s[s.length - 2] = g.outH();
    s[s.length - 1] = g.outW();
    return s;
  }

  private static Backend backend(Tensor t) {
    return t.storage().backend();
  }
}
