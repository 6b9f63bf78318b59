package io.myelin.testing;

import static io.myelin.testing.ForwardModeConformanceTest.checkJvp;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.ForwardAD;
import io.myelin.autograd.Functional;
import io.myelin.nn.Convolution;
import io.myelin.nn.Pooling;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Forward mode through the CNN ops (issue 16 over issue 15): the jvp of conv2d, max/avg/adaptive
 * pooling against reverse-mode {@code J v} and central differences (float64, seeded, awkward
 * geometry: stride 2, padding, dilation 2, depthwise groups, ceil mode, count_include_pad both
 * ways, 1x1 images, a batch split into im2col chunks), and forward over reverse ({@code hvp})
 * through them against central differences of the gradient; reverse mode through a tangent; double
 * backward (createGraph) against differences of the gradient and against hvp, and a third
 * derivative through conv against the dense matrix form.
 */
public abstract class ConvForwardModeConformanceTest extends DeviceTestBase {
  private static final double H = 1e-5;

  private static final int[] ONE = {1, 1};
  private static final int[] ZERO = {0, 0};

  @Test
  void conv2dJvp() {
    Tensor x = rand64(1, 2, 3, 7, 6);
    Tensor w = rand64(2, 4, 3, 3, 2);
    Tensor b = rand64(3, 4);
    checkJvp("conv2d plain", t -> Convolution.conv2d(t[0], t[1], t[2]), x, w, b);
    checkJvp(
        "conv2d stride 2, padding, dilation 2",
        t ->
            Convolution.conv2d(
                t[0], t[1], t[2], new int[] {2, 1}, new int[] {1, 2}, new int[] {2, 2}, 1),
        x,
        w,
        b);
    checkJvp(
        "conv2d no bias",
        t -> Convolution.conv2d(t[0], t[1], null, new int[] {2}, new int[] {1}, ONE, 1),
        x,
        w);
    checkJvp(
        "conv2d 'same' even kernel", t -> Convolution.conv2d(t[0], t[1], t[2], "same"), x, w, b);
    // Depthwise: groups = C = 3, two filters per channel.
    Tensor wd = rand64(4, 6, 1, 3, 3);
    checkJvp(
        "conv2d depthwise, stride 2, padding 1",
        t -> Convolution.conv2d(t[0], t[1], t[2], new int[] {2}, new int[] {1}, ONE, 3),
        x,
        wd,
        rand64(5, 6));
    // 1x1 images with padding (every output sees mostly zeros).
    Tensor x1 = rand64(6, 3, 2, 1, 1);
    checkJvp(
        "conv2d 1x1 image, 3x3 kernel, padding 1",
        t -> Convolution.conv2d(t[0], t[1], t[2], ONE, ONE, ONE, 1),
        x1,
        rand64(7, 3, 2, 3, 3),
        rand64(8, 3));
    // A workspace of one image: the batch of 2 runs as two im2col chunks.
    checkJvp(
        "conv2d chunked",
        t -> Convolution.conv2d(t[0], t[1], t[2], ONE, ONE, new int[] {2}, 1, 1),
        x,
        w,
        b);
  }

  @Test
  void conv2dJvpWithOnlySomeTangents() {
    // Tangents on x only, W only, b only: the rule's null entries.
    Tensor x = rand64(9, 1, 2, 5, 5);
    Tensor w = rand64(10, 3, 2, 2, 2);
    Tensor b = rand64(11, 3);
    checkJvp("conv2d d/dx", t -> Convolution.conv2d(t[0], w, b, new int[] {2}, ONE, ONE, 1), x);
    checkJvp("conv2d d/dW", t -> Convolution.conv2d(x, t[0], b, new int[] {2}, ONE, ONE, 1), w);
    checkJvp("conv2d d/db", t -> Convolution.conv2d(x, w, t[0], new int[] {2}, ONE, ONE, 1), b);
  }

  @Test
  void poolingJvp() {
    Tensor x = rand64(12, 2, 3, 7, 5);
    checkJvp("maxPool2d 2", t -> Pooling.maxPool2d(t[0], 2), x);
    checkJvp(
        "maxPool2d 3, stride 2, padding 1, ceil",
        t -> Pooling.maxPool2d(t[0], new int[] {3}, new int[] {2}, new int[] {1}, true),
        x);
    checkJvp(
        "maxPool2d 3-D input, rectangular",
        t ->
            Pooling.maxPool2d(
                t[0].select(0, 1), new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 0}, false),
        x);
    checkJvp(
        "maxPool2d 1x1 image",
        t -> Pooling.maxPool2d(t[0], new int[] {1}, null, ZERO, false),
        rand64(13, 2, 3, 1, 1));
    for (boolean include : new boolean[] {true, false}) {
      checkJvp(
          "avgPool2d 3, stride 2, padding 1, ceil, countIncludePad " + include,
          t -> Pooling.avgPool2d(t[0], new int[] {3}, new int[] {2}, new int[] {1}, true, include),
          x);
      checkJvp(
          "avgPool2d 2x3, padding (1, 1), countIncludePad " + include,
          t -> Pooling.avgPool2d(t[0], new int[] {2, 3}, ONE, ONE, false, include),
          x);
    }
    checkJvp("avgPool2d 1x1 image", t -> Pooling.avgPool2d(t[0], 1), rand64(14, 1, 2, 1, 1));
    checkJvp("adaptiveAvgPool2d global", t -> Pooling.adaptiveAvgPool2d(t[0], 1, 1), x);
    checkJvp("adaptiveAvgPool2d dividing", t -> Pooling.adaptiveAvgPool2d(t[0], 7, 1), x);
    checkJvp("adaptiveAvgPool2d uneven", t -> Pooling.adaptiveAvgPool2d(t[0], 3, 2), x);
  }

  @Test
  void maxPoolTangentFollowsThePrimalsTies() {
    // Every window of the constant plane ties: the first position (row-major) wins, in the primal
    // and in the tangent, so the tangent at the 2x2-pooled output (i, j) is v[2i, 2j].
    Tensor x = Tensor.ones(io.myelin.DType.FLOAT64, 1, 1, 4, 4);
    Tensor v = rand64(15, 1, 1, 4, 4);
    double[] t =
        Functional.jvp(in -> Pooling.maxPool2d(in[0], 2), new Tensor[] {x}, new Tensor[] {v})
            .tangent()
            .toDoubleArray();
    double[] vs = v.toDoubleArray();
    double[] expected = {vs[0], vs[2], vs[8], vs[10]};
    assertClose(expected, t, 0, "max-pool tangent at the first tied position");
  }

  @Test
  void hvpThroughConvAndPooling() {
    Tensor x = rand64(16, 2, 2, 6, 5);
    Tensor w = rand64(17, 4, 1, 3, 3);
    Tensor b = rand64(18, 4);
    // A small CNN loss: conv (groups 2, stride 2, padding 1, dilation 2) -> square -> max pool
    // with ceil -> conv 1x1 -> avg pool without padding counts -> adaptive pool -> square sum.
    Tensor w2 = rand64(19, 3, 4, 1, 1);
    Function<Tensor[], Tensor> loss =
        t -> {
          Tensor h = Convolution.conv2d(t[0], t[1], t[2], new int[] {1, 2}, ONE, new int[] {2}, 2);
          h = Pooling.maxPool2d(h.square(), new int[] {2}, new int[] {2}, ZERO, true);
          h = Convolution.conv2d(h, t[3], null, ONE, ZERO, ONE, 1);
          h = Pooling.avgPool2d(h, new int[] {2}, ONE, ONE, false, false);
          return Pooling.adaptiveAvgPool2d(h, 2, 3).square().sum();
        };
    Tensor[] p = {x, w, b, w2};
    Tensor[] v = new Tensor[p.length];
    for (int i = 0; i < p.length; i++) {
      v[i] = Tensor.of(randomDoubles(100 + i, p[i].numel(), -1, 1), p[i].shape()).to(p[i].device());
    }
    Tensor[] hv = Functional.hvp(loss, p, v).products();
    Tensor[] plus = new Tensor[p.length];
    Tensor[] minus = new Tensor[p.length];
    for (int i = 0; i < p.length; i++) {
      plus[i] = p[i].add(v[i].mul(H));
      minus[i] = p[i].sub(v[i].mul(H));
    }
    Tensor[] gp = Functional.vjp(loss, plus, null).gradients();
    Tensor[] gm = Functional.vjp(loss, minus, null).gradients();
    for (int i = 0; i < p.length; i++) {
      double[] a = gp[i].toDoubleArray();
      double[] m = gm[i].toDoubleArray();
      double[] numeric = new double[a.length];
      for (int j = 0; j < a.length; j++) {
        numeric[j] = (a[j] - m[j]) / (2 * H);
      }
      assertClose(
          numeric,
          hv[i].toDoubleArray(),
          1e-6,
          "hvp vs differences of the gradient, " + "primal " + i);
    }
  }

  @Test
  void reverseModeThroughATangent() {
    // The tangent rules are recorded ops: d/d(x, v) of <u, jvp> equals reverse mode of the
    // linear map the tangent is (conv(x, dW) in x; the max-pool gather in v).
    Tensor x = rand64(22, 2, 2, 5, 4).requiresGrad(true);
    Tensor w = rand64(23, 3, 2, 2, 3);
    Tensor dw = rand64(24, 3, 2, 2, 3);
    Tensor v = rand64(25, 2, 2, 5, 4).requiresGrad(true);
    Tensor[] got;
    try (var level = ForwardAD.dualLevel()) {
      Tensor y = Convolution.conv2d(x, ForwardAD.makeDual(w, dw), null, new int[] {2}, ONE, ONE, 1);
      Tensor ty = ForwardAD.tangentOf(y);
      Tensor p =
          Pooling.maxPool2d(
              ForwardAD.makeDual(x.detach(), v), new int[] {3}, new int[] {2}, ONE, true);
      Tensor tp = ForwardAD.tangentOf(p);
      Tensor u = rand64(26, ty.shape());
      Tensor up = rand64(27, tp.shape());
      got =
          new Tensor[] {
            Autograd.grad(ty.mul(u).sum(), new Tensor[] {x}, false)[0],
            Autograd.grad(tp.mul(up).sum(), new Tensor[] {v}, false)[0]
          };
    }
    Tensor plain = Convolution.conv2d(x, dw, null, new int[] {2}, ONE, ONE, 1);
    Tensor gx =
        Autograd.grad(plain.mul(rand64(26, plain.shape())).sum(), new Tensor[] {x}, false)[0];
    assertClose(gx.toDoubleArray(), got[0].toDoubleArray(), 1e-12, "conv2d: grad of the tangent");
    Tensor xp = x.detach().requiresGrad(true);
    Tensor pool = Pooling.maxPool2d(xp, new int[] {3}, new int[] {2}, ONE, true);
    Tensor gp =
        Autograd.grad(pool.mul(rand64(27, pool.shape())).sum(), new Tensor[] {xp}, false)[0];
    assertClose(
        gp.toDoubleArray(), got[1].toDoubleArray(), 1e-12, "maxPool2d: grad of the tangent");
  }

  /**
   * Reverse over reverse: {@code H w} as the gradient of {@code <grad f, w>} (createGraph) against
   * central differences of the gradient along w (1e-6) and against forward over reverse ({@code
   * hvp}, 1e-10); the parameters are f's inputs, w random.
   */
  private static void checkDoubleBackward(
      String what, Function<Tensor[], Tensor> loss, Tensor... p) {
    Tensor[] leaves = new Tensor[p.length];
    Tensor[] w = new Tensor[p.length];
    for (int i = 0; i < p.length; i++) {
      leaves[i] = p[i].detach().requiresGrad(true);
      w[i] =
          Tensor.of(randomDoubles(what.hashCode() + i, p[i].numel(), -1, 1), p[i].shape())
              .to(p[i].device());
    }
    Tensor[] g = Autograd.grad(loss.apply(leaves), leaves, true);
    Tensor dot = null;
    for (int i = 0; i < p.length; i++) {
      Tensor term = g[i].mul(w[i]).sum();
      dot = dot == null ? term : dot.add(term);
    }
    Tensor[] hw = Autograd.grad(dot, leaves, false);
    Tensor[] plus = new Tensor[p.length];
    Tensor[] minus = new Tensor[p.length];
    for (int i = 0; i < p.length; i++) {
      plus[i] = p[i].add(w[i].mul(H));
      minus[i] = p[i].sub(w[i].mul(H));
    }
    Tensor[] gp = Functional.vjp(loss, plus, null).gradients();
    Tensor[] gm = Functional.vjp(loss, minus, null).gradients();
    Tensor[] hv = Functional.hvp(loss, p, w).products();
    for (int i = 0; i < p.length; i++) {
      double[] a = gp[i].toDoubleArray();
      double[] m = gm[i].toDoubleArray();
      double[] numeric = new double[a.length];
      for (int j = 0; j < a.length; j++) {
        numeric[j] = (a[j] - m[j]) / (2 * H);
      }
      double[] got = hw[i].toDoubleArray();
      assertClose(numeric, got, 1e-6, what + ": double backward vs differences, input " + i);
      assertClose(hv[i].toDoubleArray(), got, 1e-10, what + ": double backward vs hvp, input " + i);
    }
  }

  @Test
  void doubleBackwardThroughConvAndPooling() {
    Tensor x = rand64(30, 2, 2, 6, 5);
    Tensor w = rand64(31, 4, 1, 3, 3);
    Tensor b = rand64(32, 4);
    Tensor w2 = rand64(33, 3, 4, 1, 1);
    // The CNN of hvpThroughConvAndPooling: grouped, strided, padded, dilated conv, max pool with
    // ceil, 1x1 conv, average pool without padding counts, adaptive pool (2 x 3 of 3 x 3: a mean
    // per window).
    checkDoubleBackward(
        "small CNN",
        t -> {
          Tensor h = Convolution.conv2d(t[0], t[1], t[2], new int[] {1, 2}, ONE, new int[] {2}, 2);
          h = Pooling.maxPool2d(h.square(), new int[] {2}, new int[] {2}, ZERO, true);
          h = Convolution.conv2d(h, t[3], null, ONE, ZERO, ONE, 1);
          h = Pooling.avgPool2d(h, new int[] {2}, ONE, ONE, false, false);
          return Pooling.adaptiveAvgPool2d(h, 2, 3).square().sum();
        },
        x,
        w,
        b,
        w2);
    // A batch in im2col chunks of one image, a padded max pool, a dividing adaptive pool (an
    // average pool with kernel 2) and tanh between.
    Tensor x3 = rand64(34, 3, 2, 5, 4);
    Tensor w3 = rand64(35, 3, 2, 2, 3);
    checkDoubleBackward(
        "chunked conv, padded max pool, adaptive pool",
        t -> {
          Tensor h = Convolution.conv2d(t[0], t[1], null, ONE, new int[] {1, 0}, ONE, 1, 8).tanh();
          h = Pooling.maxPool2d(h, new int[] {3}, new int[] {2}, ONE, false);
          return Pooling.adaptiveAvgPool2d(h.square(), 1, 1).mul(h.sum()).sum();
        },
        x3,
        w3);
    // Third order through conv: the gradient of the double-backward result is recorded too.
    Tensor xs = rand64(36, 1, 1, 4, 4).requiresGrad(true);
    Tensor ws = rand64(37, 1, 1, 2, 2);
    Tensor g =
        Autograd.grad(Convolution.conv2d(xs, ws, null).pow(3.0).sum(), new Tensor[] {xs}, true)[0];
    Tensor h = Autograd.grad(g.sum(), new Tensor[] {xs}, true)[0];
    Tensor third = Autograd.grad(h.sum(), new Tensor[] {xs}, false)[0];
    // The same three differentiations of sum((M x)^3), M the convolution as a dense matrix.
    Tensor dense = convMatrix(ws, 4, 4);
    Tensor xf = xs.detach().reshape(16).requiresGrad(true);
    Tensor gd = Autograd.grad(dense.matmul(xf).pow(3.0).sum(), new Tensor[] {xf}, true)[0];
    Tensor hd = Autograd.grad(gd.sum(), new Tensor[] {xf}, true)[0];
    Tensor thirdDense = Autograd.grad(hd.sum(), new Tensor[] {xf}, false)[0];
    assertClose(
        thirdDense.toDoubleArray(), third.toDoubleArray(), 1e-12, "third derivative via conv");
  }

  /** The [Ho Wo, H W] matrix of a one-channel valid convolution with kernel ws. */
  private static Tensor convMatrix(Tensor ws, int h, int w) {
    int kh = ws.size(2);
    int kw = ws.size(3);
    int oh = h - kh + 1;
    int ow = w - kw + 1;
    double[] k = ws.toDoubleArray();
    double[] m = new double[oh * ow * h * w];
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        for (int a = 0; a < kh; a++) {
          for (int c = 0; c < kw; c++) {
            m[(i * ow + j) * h * w + (i + a) * w + (j + c)] = k[a * kw + c];
          }
        }
      }
    }
    return Tensor.of(m, oh * ow, h * w).to(ws.device());
  }
}
