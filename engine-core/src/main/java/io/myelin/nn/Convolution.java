package io.myelin.nn;

import io.myelin.DeviceMismatchException;
import io.myelin.Layout;
import io.myelin.ShapeMismatchException;
import io.myelin.Tensor;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.OpContext;
import io.myelin.backend.Backend;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.ConvGeometry;
import io.myelin.backend.GemmOperand;
import java.util.Arrays;

/**
 * 2-D convolution as PyTorch's {@code torch.nn.functional.conv2d}, written as one {@link
 * DifferentiableOp}: im2col + GEMM forward, GEMM + col2im backward.
 *
 * <p>For a chunk of {@code n} images, {@code cols = im2col(x)} is {@code [C kH kW, n Ho Wo]}; per
 * group g (a block of {@code C/groups kH kW} rows) one GEMM gives {@code yP_g[O/groups, n Ho Wo] =
 * W_g cols_g} (the groups are the GEMM's batch), and one strided copy (adding the bias) moves
 * {@code yP[O, n, HoWo]} into {@code y[n, O, HoWo]}. Backward: {@code gyP} = gy permuted to {@code
 * [O, n HoWo]}; {@code dW_g += gyP_g cols_g^T}; {@code dcols_g = W_g^T gyP_g}, {@code dx =
 * col2im(dcols)}; {@code db = sum(gy)} over N, H, W. The column buffer is bounded: the batch is
 * processed in chunks of at most {@code workspaceBytes / (C kH kW Ho Wo * element size)} images (at
 * least one), and freed after each chunk into the backend's pool, so memory stays flat across
 * steps. The backward recomputes the columns rather than keeping them.
 *
 * <pre>{@code
 * Tensor y = Convolution.conv2d(x, w, b, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
 * Tensor z = Convolution.conv2d(x, w, null, "same");
 * }</pre>
 */
public final class Convolution {
  /** The default bound on one im2col buffer: 64 MiB. */
  public static final long DEFAULT_WORKSPACE_BYTES = 64L << 20;

  private Convolution() {}

  /** {@code conv2d(input, weight, bias, 1, 0, 1, 1)}. */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias) {
    return conv2d(input, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
  }

  /**
   * {@code padding} "valid" (no padding) or "same" (output size = input size; stride 1 only, as
   * PyTorch; with an even dilated kernel the extra zero goes after the input, as PyTorch).
   */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, String padding) {
    return conv2d(input, weight, bias, new int[] {1, 1}, padding, new int[] {1, 1}, 1);
  }

  /** As {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)} with "same"/"valid". */
  public static Tensor conv2d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      String padding,
      int[] dilation,
      int groups) {
    int[] s = pair("stride", stride);
    int[] d = pair("dilation", dilation);
    checkShapes(input, weight, bias, groups);
    if ("valid".equals(padding)) {
      return conv2d(input, weight, bias, s, new int[] {0, 0}, d, groups);
    }
    if (!"same".equals(padding)) {
      throw new IllegalArgumentException(
          "conv2d: invalid padding string '" + padding + "', should be one of 'valid' or 'same'");
    }
    if (s[0] != 1 || s[1] != 1) {
      throw new IllegalArgumentException(
          "conv2d: padding='same' is not supported for strided convolutions");
    }
    int totalH = d[0] * (weight.size(2) - 1);
    int totalW = d[1] * (weight.size(3) - 1);
    int[] x = input.shape();
    ConvGeometry g =
        ConvGeometry.of(
            x[1],
            x[2],
            x[3],
            weight.size(2),
            weight.size(3),
            1,
            1,
            totalH / 2,
            totalH - totalH / 2,
            totalW / 2,
            totalW - totalW / 2,
            d[0],
            d[1]);
    return apply(input, weight, bias, g, groups, DEFAULT_WORKSPACE_BYTES);
  }

  /**
   * 2-D convolution (cross-correlation, as every framework) of {@code input [N, C, H, W]} with
   * {@code weight [O, C/groups, kH, kW]} plus {@code bias [O]} (null: none): {@code out[n, o, oh,
   * ow] = bias[o] + sum_{c, i, j} weight[o, c, i, j] x[n, g(o) C/groups + c, oh sH - pH + i dH, ow
   * sW - pW + j dW]}, zeros outside the input. Output {@code [N, O, Ho, Wo]} with {@code Ho = (H +
   * 2 pH - dH (kH - 1) - 1) / sH + 1}. Differentiable with respect to input, weight and bias.
   *
   * @param stride {@code {sH, sW}} or one value for both, positive
   * @param padding {@code {pH, pW}} or one value, non-negative zeros on both sides
   * @param dilation {@code {dH, dW}} or one value, positive
   * @param groups divides C and O; {@code groups == C} is a depthwise convolution
   * @throws IllegalArgumentException with PyTorch's message for bad shapes or arguments
   */
  public static Tensor conv2d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups) {
    return conv2d(input, weight, bias, stride, padding, dilation, groups, DEFAULT_WORKSPACE_BYTES);
  }

  /**
   * {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)} with an explicit bound on the
   * im2col buffer: the batch is split into chunks whose columns fit {@code workspaceBytes} (one
   * image at least).
   */
  public static Tensor conv2d(
      Tensor input,
      Tensor weight,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] dilation,
      int groups,
      long workspaceBytes) {
    int[] s = pair("stride", stride);
    int[] p = pair("padding", padding);
    int[] d = pair("dilation", dilation);
    checkShapes(input, weight, bias, groups);
    if (s[0] < 1 || s[1] < 1) {
      throw new IllegalArgumentException(
          "conv2d: non-positive stride is not supported, got " + Arrays.toString(s));
    }
    if (d[0] < 1 || d[1] < 1) {
      throw new IllegalArgumentException(
          "conv2d: dilation should be greater than zero, got " + Arrays.toString(d));
    }
    if (p[0] < 0 || p[1] < 0) {
      throw new IllegalArgumentException(
          "conv2d: negative padding is not supported, got " + Arrays.toString(p));
    }
    int[] x = input.shape();
    ConvGeometry g =
        ConvGeometry.of(
            x[1], x[2], x[3], weight.size(2), weight.size(3), s[0], s[1], p[0], p[1], d[0], d[1]);
    return apply(input, weight, bias, g, groups, workspaceBytes);
  }

  private static Tensor apply(
      Tensor input, Tensor weight, Tensor bias, ConvGeometry g, int groups, long workspaceBytes) {
    int n = input.size(0);
    int perImage = g.colRows() * g.outPlane();
    int chunk =
        (int)
            Math.max(1, Math.min(n, workspaceBytes / ((long) perImage * input.dtype().byteSize())));
    return new Conv(g, groups, chunk).conv(input, weight, bias);
  }

  /**
   * One convolution's geometry and its three ops, which close under differentiation: {@code y =
   * conv(x, W) + b} is bilinear in (x, W), its input gradient {@code gx = inputGrad(gy, W)} (the
   * adjoint of x -> conv(x, W)) and its weight gradient {@code gW = weightGrad(x, gy)} (the adjoint
   * of W -> conv(x, W)) are bilinear too, and each one's gradients and tangents are the others:
   *
   * <pre>
   *   conv(x, W):        d/dx = inputGrad(G, W),   d/dW = weightGrad(x, G)
   *   inputGrad(gy, W):  d/dgy = conv(G, W),       d/dW = weightGrad(G, gy)
   *   weightGrad(x, gy): d/dx = inputGrad(gy, G),  d/dgy = conv(x, G)
   * </pre>
   *
   * (G the upstream gradient). So a gradient through a CNN is differentiable to any order (double
   * backward, forward over reverse). A first-order backward (gradients off, no tangents) runs the
   * fused primitive path that shares one permuted copy of gy between gx and gW.
   */
  private record Conv(ConvGeometry g, int groups, int chunk) {
    Tensor conv(Tensor input, Tensor weight, Tensor bias) {
      int n = input.size(0);
      int outC = weight.size(0);
      return new DifferentiableOp("conv2d") {
        @Override
        protected Tensor forward(OpContext ctx, Tensor... in) {
          Tensor x = in[0].contiguous();
          Tensor w = in[1].contiguous();
          ctx.save(x, w);
          return convolve(x, w, in[2], g, groups, chunk);
        }

        @Override
        protected Tensor[] backward(OpContext ctx, Tensor gy) {
          if (FusedLayers.differentiableGradient()) {
            return new Tensor[] {
              ctx.needsInputGrad(0) ? inputGrad(gy, weight, input.shape()) : null,
              ctx.needsInputGrad(1) ? weightGrad(input, gy, weight.shape()) : null,
              ctx.needsInputGrad(2) ? gy.sum(new int[] {0, 2, 3}, false) : null
            };
          }
          return convolveBackward(
              ctx.saved(0),
              input.shape(),
              ctx.saved(1),
              weight.shape(),
              gy,
              g,
              groups,
              chunk,
              ctx.needsInputGrad(0),
              ctx.needsInputGrad(1),
              ctx.needsInputGrad(2));
        }

        // Bilinear in (x, W) plus b: dy = conv(dx, W) + conv(x, dW) + db, each term this op again
        // (the same chunked im2col/GEMM as the forward, and recorded, so that reverse mode through
        // a tangent is right too).
        @Override
        protected Tensor tangent(OpContext ctx, Tensor... t) {
          Tensor dy = t[0] == null ? null : conv(t[0], weight, t[2]);
          if (t[1] != null) {
            Tensor term = conv(input, t[1], dy == null ? t[2] : null);
            dy = dy == null ? term : dy.add(term);
          }
          if (dy == null) { // only the bias moves: db broadcast over N, H, W
            dy = t[2].reshape(1, outC, 1, 1).expand(n, outC, g.outH(), g.outW());
          }
          return dy;
        }
      }.apply(input, weight, bias);
    }

    /** gx = the adjoint of x -> conv(x, W) applied to gy (GEMM + col2im), x of {@code xShape}. */
    Tensor inputGrad(Tensor gy, Tensor weight, int[] xShape) {
      return new DifferentiableOp("conv2dInputGrad") {
        @Override
        protected Tensor forward(OpContext ctx, Tensor... in) {
          return convolveBackward(
              null,
              xShape,
              in[1].contiguous(),
              in[1].shape(),
              in[0],
              g,
              groups,
              chunk,
              true,
              false,
              false)[0];
        }

        @Override
        protected Tensor[] backward(OpContext ctx, Tensor gx) {
          return new Tensor[] {
            ctx.needsInputGrad(0) ? conv(gx, weight, null) : null,
            ctx.needsInputGrad(1) ? weightGrad(gx, gy, weight.shape()) : null
          };
        }

        @Override
        protected Tensor tangent(OpContext ctx, Tensor... t) {
          Tensor a = t[0] == null ? null : inputGrad(t[0], weight, xShape);
          Tensor b = t[1] == null ? null : inputGrad(gy, t[1], xShape);
          return a == null ? b : b == null ? a : a.add(b);
        }
      }.apply(gy, weight);
    }

    /** gW = the adjoint of W -> conv(x, W) applied to gy (im2col + GEMM), W of {@code wShape}. */
    Tensor weightGrad(Tensor input, Tensor gy, int[] wShape) {
      return new DifferentiableOp("conv2dWeightGrad") {
        @Override
        protected Tensor forward(OpContext ctx, Tensor... in) {
          Tensor x = in[0].contiguous();
          return convolveBackward(
              x, x.shape(), null, wShape, in[1], g, groups, chunk, false, true, false)[1];
        }

        @Override
        protected Tensor[] backward(OpContext ctx, Tensor gw) {
          return new Tensor[] {
            ctx.needsInputGrad(0) ? inputGrad(gy, gw, input.shape()) : null,
            ctx.needsInputGrad(1) ? conv(input, gw, null) : null
          };
        }

        @Override
        protected Tensor tangent(OpContext ctx, Tensor... t) {
          Tensor a = t[0] == null ? null : weightGrad(t[0], gy, wShape);
          Tensor b = t[1] == null ? null : weightGrad(input, t[1], wShape);
          return a == null ? b : b == null ? a : a.add(b);
        }
      }.apply(input, gy);
    }
  }

  /** The forward on contiguous x and W (bias may be null), chunked over the batch. */
  private static Tensor convolve(
      Tensor x, Tensor w, Tensor bias, ConvGeometry g, int groups, int chunk) {
    Tensor b = bias == null ? null : bias.contiguous();
    int n = x.size(0);
    int outC = w.size(0);
    Tensor y = Tensor.empty(x.device(), x.dtype(), n, outC, g.outH(), g.outW());
    Backend be = x.storage().backend();
    for (int n0 = 0; n0 < n; n0 += chunk) {
      int count = Math.min(chunk, n - n0);
      int width = count * g.outPlane();
      try (Tensor cols = Tensor.empty(x.device(), x.dtype(), g.colRows(), width);
          Tensor yP = Tensor.empty(x.device(), x.dtype(), outC, width)) {
        be.im2col(
            g, count, x.storage(), x.layout().offset() + n0 * g.imageSize(), cols.storage(), 0);
        weightTimesCols(be, w, cols, yP, groups, width);
        // y[n0 + i, o, q] = yP[o, i * HoWo + q] (+ b[o])
        int[] shape = {count, outC, g.outPlane()};
        Layout from = new Layout(shape, new int[] {g.outPlane(), width, 1}, 0);
        Layout to =
            new Layout(
                shape, new int[] {outC * g.outPlane(), g.outPlane(), 1}, n0 * outC * g.outPlane());
        if (b == null) {
          be.copy(yP.storage(), from, y.storage(), to);
        } else {
          Layout bl = new Layout(shape, new int[] {0, 1, 0}, b.layout().offset());
          be.binary(BinaryOp.ADD, yP.storage(), from, b.storage(), bl, y.storage(), to);
        }
      }
    }
    return y;
  }

  /**
   * The backward on contiguous x (read only for gW; may be null otherwise) and W (read only for
   * gx): {gx, gW, gb}, null where not wanted.
   */
  private static Tensor[] convolveBackward(
      Tensor x,
      int[] xShape,
      Tensor w,
      int[] wShape,
      Tensor gy,
      ConvGeometry g,
      int groups,
      int chunk,
      boolean wantX,
      boolean wantW,
      boolean wantB) {
    int n = xShape[0];
    int outC = wShape[0];
    Tensor gc = gy.contiguous();
    Backend be = gc.storage().backend();
    Tensor gx = wantX ? Tensor.empty(gc.device(), gc.dtype(), xShape) : null;
    Tensor gw =
        !wantW
            ? null
            : n == 0
                ? Tensor.zeros(gc.device(), gc.dtype(), wShape)
                : Tensor.empty(gc.device(), gc.dtype(), wShape);
    Tensor gb = wantB ? gc.sum(new int[] {0, 2, 3}, false) : null;
    // gW^T per group when the column matrix has more rows than the group has output channels: the
    // GEMM's transposed operand is then gyP, the smaller one (packing a transposed operand is what
    // makes the gW product slower than the forward one on the CPU); the products are the same
    // (each element the same fused multiply-adds over the same depth), transposed into gW at the
    // end.
    int og = outC / groups;
    int kg = g.colRows() / groups;
    Tensor gwT =
        wantW && n > 0 && kg > og ? Tensor.empty(x.device(), x.dtype(), groups, kg, og) : null;
    if (wantX || wantW) {
      for (int n0 = 0; n0 < n; n0 += chunk) {
        int count = Math.min(chunk, n - n0);
        int width = count * g.outPlane();
        try (Tensor gyP = Tensor.empty(gc.device(), gc.dtype(), outC, width)) {
          int[] shape = {count, outC, g.outPlane()};
          be.copy(
              gc.storage(),
              new Layout(
                  shape,
                  new int[] {outC * g.outPlane(), g.outPlane(), 1},
                  gc.layout().offset() + n0 * outC * g.outPlane()),
              gyP.storage(),
              new Layout(shape, new int[] {g.outPlane(), width, 1}, 0));
          if (wantW) {
            try (Tensor cols = Tensor.empty(gc.device(), gc.dtype(), g.colRows(), width)) {
              be.im2col(
                  g,
                  count,
                  x.storage(),
                  x.layout().offset() + n0 * g.imageSize(),
                  cols.storage(),
                  0);
              if (gwT != null) {
                colsTimesGradT(be, cols, gyP, gwT, groups, width, n0 == 0 ? 0 : 1);
              } else {
                gradTimesColsT(be, gyP, cols, gw, groups, width, n0 == 0 ? 0 : 1);
              }
            }
          }
          if (wantX) {
            try (Tensor dcols = Tensor.empty(gc.device(), gc.dtype(), g.colRows(), width)) {
              weightTTimesGrad(be, w, gyP, dcols, groups, width);
              be.col2im(g, count, dcols.storage(), 0, gx.storage(), n0 * g.imageSize());
            }
          }
        }
      }
    }
    if (gwT != null) {
      try (gwT) { // gw[g, o, r] = gwT[g, r, o]
        int[] shape = {groups, og, kg};
        be.copy(
            gwT.storage(),
            new Layout(shape, new int[] {kg * og, 1, og}, 0),
            gw.storage(),
            new Layout(shape, new int[] {og * kg, kg, 1}, 0));
      }
    }
    return new Tensor[] {gx, gw, gb};
  }

  // yP_g [O/G, width] = W_g [O/G, K] x cols_g [K, width], K = C/G kH kW, batched over groups.
  private static void weightTimesCols(
      Backend be, Tensor w, Tensor cols, Tensor yP, int groups, int width) {
    int og = w.size(0) / groups;
    int k = w.numel() / w.size(0);
    be.gemm(
        groups,
        og,
        width,
        k,
        1,
        new GemmOperand(w.storage(), w.layout().offset(), k, og * k, false),
        new GemmOperand(cols.storage(), 0, width, k * width, false),
        0,
        new GemmOperand(yP.storage(), 0, width, og * width, false));
  }

  // gW_g [O/G, K] (+)= gyP_g [O/G, width] x cols_g^T [width, K].
  private static void gradTimesColsT(
      Backend be, Tensor gyP, Tensor cols, Tensor gw, int groups, int width, double beta) {
    int og = gw.size(0) / groups;
    int k = gw.numel() / gw.size(0);
    be.gemm(
        groups,
        og,
        k,
        width,
        1,
        new GemmOperand(gyP.storage(), 0, width, og * width, false),
        new GemmOperand(cols.storage(), 0, width, k * width, true),
        beta,
        new GemmOperand(gw.storage(), 0, k, og * k, false));
  }

  // gWT_g [K, O/G] (+)= cols_g [K, width] x gyP_g^T [width, O/G]: gradTimesColsT transposed.
  private static void colsTimesGradT(
      Backend be, Tensor cols, Tensor gyP, Tensor gwT, int groups, int width, double beta) {
    int k = gwT.size(1);
    int og = gwT.size(2);
    be.gemm(
        groups,
        k,
        og,
        width,
        1,
        new GemmOperand(cols.storage(), 0, width, k * width, false),
        new GemmOperand(gyP.storage(), 0, width, og * width, true),
        beta,
        new GemmOperand(gwT.storage(), 0, og, k * og, false));
  }

  // dcols_g [K, width] = W_g^T [K, O/G] x gyP_g [O/G, width].
  private static void weightTTimesGrad(
      Backend be, Tensor w, Tensor gyP, Tensor dcols, int groups, int width) {
    int og = w.size(0) / groups;
    int k = w.numel() / w.size(0);
    be.gemm(
        groups,
        k,
        width,
        og,
        1,
        new GemmOperand(w.storage(), w.layout().offset(), k, og * k, true),
        new GemmOperand(gyP.storage(), 0, width, og * width, false),
        0,
        new GemmOperand(dcols.storage(), 0, width, k * width, false));
  }

  /** PyTorch's shape checks of conv2d, with its messages. */
  private static void checkShapes(Tensor input, Tensor weight, Tensor bias, int groups) {
    FusedLayers.checkFloating("conv2d", input);
    if (input.rank() != 4) {
      throw new ShapeMismatchException(
          "conv2d: expected a 4-D input [N, C, H, W], got " + Arrays.toString(input.shape()));
    }
    if (weight.rank() != 4) {
      throw new ShapeMismatchException(
          "conv2d: expected a 4-D weight [O, C/groups, kH, kW], got "
              + Arrays.toString(weight.shape()));
    }
    if (weight.dtype() != input.dtype() || bias != null && bias.dtype() != input.dtype()) {
      throw new IllegalArgumentException(
          "conv2d: input, weight and bias must share a dtype, got "
              + input.dtype().shortName()
              + ", "
              + weight.dtype().shortName()
              + (bias == null ? "" : ", " + bias.dtype().shortName()));
    }
    if (!weight.device().equals(input.device())
        || bias != null && !bias.device().equals(input.device())) {
      throw new DeviceMismatchException(
          "conv2d: input on "
              + input.device()
              + ", weight on "
              + weight.device()
              + (bias == null ? "" : ", bias on " + bias.device()));
    }
    if (groups < 1) {
      throw new IllegalArgumentException(
          "conv2d: non-positive groups is not supported, got " + groups);
    }
    int outC = weight.size(0);
    if (outC % groups != 0) {
      throw new ShapeMismatchException(
          "conv2d: given groups="
              + groups
              + ", expected weight to be "
              + "divisible by "
              + groups
              + " at dimension 0, but got weight of size "
              + Arrays.toString(weight.shape())
              + " instead");
    }
    if (input.size(1) != weight.size(1) * groups) {
      throw new ShapeMismatchException(
          "conv2d: given groups="
              + groups
              + ", weight of size "
              + Arrays.toString(weight.shape())
              + ", expected input"
              + Arrays.toString(input.shape())
              + " to have "
              + weight.size(1) * groups
              + " channels, but got "
              + input.size(1)
              + " channels instead");
    }
    if (bias != null && (bias.rank() != 1 || bias.size(0) != outC)) {
      throw new ShapeMismatchException(
          "conv2d: given weight of size "
              + Arrays.toString(weight.shape())
              + ", expected bias to be 1-dimensional with "
              + outC
              + " elements, but got bias of size "
              + Arrays.toString(bias.shape())
              + " instead");
    }
  }

  /** One value for both dimensions, or a pair. */
  static int[] pair(String what, int[] v) {
    if (v == null || v.length < 1 || v.length > 2) {
      throw new IllegalArgumentException(
          "expected " + what + " as one int or a pair, got " + Arrays.toString(v));
    }
    return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
  }
}
