package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.autograd.GradCheck;
import io.myelin.nn.Convolution;
import io.myelin.nn.Pooling;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Tensor-level conv2d, max_pool2d, avg_pool2d and adaptive_avg_pool2d: forwards against direct
 * float64 loops (the sum over taps as written in PyTorch's documentation, not im2col), float64
 * gradient checks of every differentiable input, a chunked im2col workspace giving the same results
 * as an unchunked one, and PyTorch's argument errors.
 */
public abstract class ConvolutionOpsConformanceTest extends DeviceTestBase {
  /** N, C, H, W, O, kH, kW, sH, sW, pH, pW, dH, dW, groups. */
  private static final int[][] CONVS = {
    {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {1, 1, 1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1}, // 1x1 image
    {2, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1}, // 1x1 image, 3x3 kernel, pad 1
    {2, 4, 9, 8, 6, 3, 2, 2, 3, 1, 0, 1, 1, 2}, // odd strides, groups 2
    {1, 3, 9, 9, 3, 3, 3, 1, 1, 2, 2, 2, 2, 3}, // dilation 2, depthwise (groups = C)
    {3, 2, 5, 7, 4, 2, 4, 1, 2, 0, 2, 1, 1, 1}, // even kernel
  };

  private static double[] conv2dReference(
      int[] c, double[] x, double[] w, double[] b, int oh, int ow, int padTop, int padLeft) {
    int n = c[0], ch = c[1], h = c[2], wd = c[3], o = c[4], kh = c[5], kw = c[6];
    int g = c[13], cg = ch / g, og = o / g;
    double[] y = new double[n * o * oh * ow];
    for (int i = 0; i < n; i++)
      for (int oc = 0; oc < o; oc++)
        for (int p = 0; p < oh; p++)
          for (int q = 0; q < ow; q++) {
            double s = b == null ? 0 : b[oc];
            for (int cc = 0; cc < cg; cc++)
              for (int a = 0; a < kh; a++)
                for (int e = 0; e < kw; e++) {
                  int hh = p * c[7] - padTop + a * c[11];
                  int ww = q * c[8] - padLeft + e * c[12];
                  if (hh < 0 || hh >= h || ww < 0 || ww >= wd) continue;
                  int ic = (oc / og) * cg + cc;
                  s +=
                      w[((oc * cg + cc) * kh + a) * kw + e] * x[((i * ch + ic) * h + hh) * wd + ww];
                }
            y[((i * o + oc) * oh + p) * ow + q] = s;
          }
    return y;
  }

  private static Tensor conv(int[] c, Tensor x, Tensor w, Tensor b) {
    return Convolution.conv2d(
        x, w, b, new int[] {c[7], c[8]}, new int[] {c[9], c[10]}, new int[] {c[11], c[12]}, c[13]);
  }

  @Test
  void conv2dMatchesTheDirectSum() {
    long seed = 20;
    for (int[] c : CONVS) {
      for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        double[] x = randomDoubles(seed++, c[0] * c[1] * c[2] * c[3], -1, 1);
        double[] w = randomDoubles(seed++, c[4] * c[1] / c[13] * c[5] * c[6], -1, 1);
        double[] b = randomDoubles(seed++, c[4], -1, 1);
        if (dt == DType.FLOAT32) {
          x = toDouble(toFloat(x));
          w = toDouble(toFloat(w));
          b = toDouble(toFloat(b));
        }
        Tensor xt = Tensor.of(x, c[0], c[1], c[2], c[3]).to(dt);
        Tensor wt = Tensor.of(w, c[4], c[1] / c[13], c[5], c[6]).to(dt);
        Tensor bt = Tensor.of(b, c[4]).to(dt);
        Tensor y = conv(c, xt, wt, bt);
        int oh = (c[2] + 2 * c[9] - c[11] * (c[5] - 1) - 1) / c[7] + 1;
        int ow = (c[3] + 2 * c[10] - c[12] * (c[6] - 1) - 1) / c[8] + 1;
        assertArrayEquals(new int[] {c[0], c[4], oh, ow}, y.shape());
        double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
        assertClose(
            conv2dReference(c, x, w, b, oh, ow, c[9], c[10]),
            y.toDoubleArray(),
            tol,
            "conv2d " + dt + " " + java.util.Arrays.toString(c));
        Tensor noBias = conv(c, xt, wt, null);
        assertClose(
            conv2dReference(c, x, w, null, oh, ow, c[9], c[10]),
            noBias.toDoubleArray(),
            tol,
            "conv2d without bias " + java.util.Arrays.toString(c));
      }
    }
  }

  @Test
  void samePaddingKeepsTheSizeAndPutsTheExtraZeroAfter() {
    // 4x4 kernel, dilation 1: 3 zeros in total per axis, 1 before and 2 after (PyTorch).
    int[] c = {2, 2, 5, 6, 3, 4, 4, 1, 1, 0, 0, 1, 1, 1};
    double[] x = randomDoubles(40, 2 * 2 * 5 * 6, -1, 1);
    double[] w = randomDoubles(41, 3 * 2 * 16, -1, 1);
    Tensor y = Convolution.conv2d(Tensor.of(x, 2, 2, 5, 6), Tensor.of(w, 3, 2, 4, 4), null, "same");
    assertArrayEquals(new int[] {2, 3, 5, 6}, y.shape());
    assertClose(conv2dReference(c, x, w, null, 5, 6, 1, 1), y.toDoubleArray(), 1e-12, "same");
    Tensor v =
        Convolution.conv2d(Tensor.of(x, 2, 2, 5, 6), Tensor.of(w, 3, 2, 4, 4), null, "valid");
    assertArrayEquals(new int[] {2, 3, 2, 3}, v.shape());
  }

  @Test
  void conv2dPassesGradCheck() {
    long seed = 60;
    for (int[] c : CONVS) {
      Tensor x = rand64(seed++, c[0], c[1], c[2], c[3]);
      Tensor w = rand64(seed++, c[4], c[1] / c[13], c[5], c[6]);
      Tensor b = rand64(seed++, c[4]);
      var r = GradCheck.check(in -> conv(c, in[0], in[1], in[2]), x, w, b);
      assertTrue(r.passed(), "conv2d " + java.util.Arrays.toString(c) + ": " + r);
    }
    // Same padding with an even kernel, and a chunked workspace (one image per chunk).
    Tensor x = rand64(90, 3, 2, 5, 4);
    Tensor w = rand64(91, 2, 2, 2, 2);
    var same = GradCheck.check(in -> Convolution.conv2d(in[0], in[1], null, "same"), x, w);
    assertTrue(same.passed(), "conv2d same: " + same);
    var chunked =
        GradCheck.check(
            in ->
                Convolution.conv2d(
                    in[0], in[1], in[2], new int[] {1}, new int[] {1}, new int[] {1}, 1, 1),
            x,
            w,
            rand64(92, 2));
    assertTrue(chunked.passed(), "conv2d chunked: " + chunked);
  }

  @Test
  void aChunkedWorkspaceGivesTheSameResults() {
    // Float64: chunking changes the order in which the weight and bias gradients add up over the
    // images (one GEMM per chunk, accumulated), which moves float32 sums of 320 terms by ~1e-5
    // (seen with the emulated GPU's cuBLAS); in float64 that is ~1e-14, so the comparison checks
    // the chunks' indexing, which is what can be wrong.
    Tensor x = Tensor.of(randomDoubles(70, 5 * 3 * 8 * 8, -1, 1), 5, 3, 8, 8);
    Tensor w = Tensor.of(randomDoubles(71, 4 * 3 * 9, -1, 1), 4, 3, 3, 3);
    Tensor b = Tensor.of(randomDoubles(72, 4, -1, 1), 4);
    double[][] whole = convAndGrads(x, w, b, Convolution.DEFAULT_WORKSPACE_BYTES);
    double[][] chunks = convAndGrads(x, w, b, 2 * 27 * 64 * 8); // two images per chunk: 2, 2, 1
    for (int i = 0; i < whole.length; i++) {
      assertClose(whole[i], chunks[i], 1e-10, "chunked vs whole, result " + i);
    }
  }

  private static double[][] convAndGrads(Tensor x0, Tensor w0, Tensor b0, long workspace) {
    Tensor x = x0.detach().requiresGrad(true);
    Tensor w = w0.detach().requiresGrad(true);
    Tensor b = b0.detach().requiresGrad(true);
    Tensor y =
        Convolution.conv2d(x, w, b, new int[] {1}, new int[] {1}, new int[] {1}, 1, workspace);
    y.mul(y).sum().backward();
    return new double[][] {
      y.toDoubleArray(),
      x.grad().toDoubleArray(),
      w.grad().toDoubleArray(),
      b.grad().toDoubleArray()
    };
  }

  @Test
  void conv2dRefusesWhatPyTorchRefuses() {
    Tensor x = Tensor.zeros(1, 2, 4, 4);
    assertMessage(
        "Kernel size can't be greater than actual input size",
        () -> Convolution.conv2d(x, Tensor.zeros(1, 2, 5, 5), null));
    assertMessage(
        "to have 3 channels, but got 2 channels",
        () -> Convolution.conv2d(x, Tensor.zeros(1, 3, 3, 3), null));
    assertMessage(
        "divisible by 2 at dimension 0",
        () ->
            Convolution.conv2d(
                x, Tensor.zeros(3, 1, 3, 3), null, new int[] {1}, new int[] {0}, new int[] {1}, 2));
    assertMessage(
        "expected bias to be 1-dimensional with 1 elements",
        () -> Convolution.conv2d(x, Tensor.zeros(1, 2, 3, 3), Tensor.zeros(2)));
    assertMessage(
        "padding='same' is not supported for strided convolutions",
        () ->
            Convolution.conv2d(
                x, Tensor.zeros(1, 2, 3, 3), null, new int[] {2}, "same", new int[] {1}, 1));
    assertMessage(
        "should be one of 'valid' or 'same'",
        () -> Convolution.conv2d(x, Tensor.zeros(1, 2, 3, 3), null, "full"));
    assertMessage(
        "expected a 4-D input",
        () -> Convolution.conv2d(Tensor.zeros(2, 4, 4), Tensor.zeros(1, 2, 3, 3), null));
    assertMessage(
        "negative padding",
        () ->
            Convolution.conv2d(
                x,
                Tensor.zeros(1, 2, 3, 3),
                null,
                new int[] {1},
                new int[] {-1},
                new int[] {1},
                1));
    assertMessage(
        "non-positive stride",
        () ->
            Convolution.conv2d(
                x, Tensor.zeros(1, 2, 3, 3), null, new int[] {0}, new int[] {0}, new int[] {1}, 1));
    assertMessage(
        "pad should be at most half",
        () -> Pooling.maxPool2d(x, new int[] {2}, null, new int[] {2}, false));
    assertMessage("too small", () -> Pooling.avgPool2d(x, 5));
  }

  private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
    var t = assertThrows(IllegalArgumentException.class, e);
    assertTrue(
        t.getMessage().contains(part), "message '" + t.getMessage() + "' lacks '" + part + "'");
  }

  // ---- pooling ----------------------------------------------------------------------------------

  /** {kH, kW, sH, sW, pH, pW, ceil} over [2, 3, 7, 6]. */
  private static final int[][] POOLS = {
    {2, 2, 2, 2, 0, 0, 0},
    {3, 3, 2, 2, 1, 1, 1},
    {3, 2, 1, 3, 1, 0, 0},
    {2, 3, 3, 2, 1, 1, 1},
    {1, 1, 1, 1, 0, 0, 0},
  };

  private static double[] poolReference(
      boolean max,
      int[] p,
      boolean includePad,
      double[] x,
      int planes,
      int h,
      int w,
      int oh,
      int ow) {
    double[] y = new double[planes * oh * ow];
    for (int pl = 0; pl < planes; pl++)
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++) {
          double m = Double.NEGATIVE_INFINITY, s = 0;
          int real = 0, padded = 0;
          for (int a = i * p[2] - p[4]; a < i * p[2] - p[4] + p[0]; a++)
            for (int b = j * p[3] - p[5]; b < j * p[3] - p[5] + p[1]; b++) {
              if (a < h + p[4] && b < w + p[5]) padded++;
              if (a < 0 || a >= h || b < 0 || b >= w) continue;
              real++;
              double v = x[(pl * h + a) * w + b];
              m = Math.max(m, v);
              s += v;
            }
          y[(pl * oh + i) * ow + j] = max ? m : s / (includePad ? padded : real);
        }
    return y;
  }

  @Test
  void poolingMatchesLoopsAndPassesGradCheck() {
    long seed = 80;
    for (int[] p : POOLS) {
      for (int kind = 0; kind < 3; kind++) {
        boolean max = kind == 0, includePad = kind == 1;
        double[] xv = randomDoubles(seed++, 2 * 3 * 7 * 6, -1, 1);
        Tensor x = Tensor.of(xv, 2, 3, 7, 6);
        Function<Tensor[], Tensor> f =
            in ->
                max
                    ? Pooling.maxPool2d(
                        in[0],
                        new int[] {p[0], p[1]},
                        new int[] {p[2], p[3]},
                        new int[] {p[4], p[5]},
                        p[6] == 1)
                    : Pooling.avgPool2d(
                        in[0],
                        new int[] {p[0], p[1]},
                        new int[] {p[2], p[3]},
                        new int[] {p[4], p[5]},
                        p[6] == 1,
                        includePad);
        Tensor y = f.apply(new Tensor[] {x});
        int oh = y.size(2), ow = y.size(3);
        String what =
            (max ? "maxPool2d " : "avgPool2d cip=" + includePad + " ")
                + java.util.Arrays.toString(p);
        assertClose(
            poolReference(max, p, includePad, xv, 6, 7, 6, oh, ow), y.toDoubleArray(), 1e-12, what);
        var r = GradCheck.check(f, x);
        assertTrue(r.passed(), what + ": " + r);
      }
    }
    // 3-D input and the default stride (= kernel).
    Tensor x3 = rand64(99, 3, 4, 4);
    assertArrayEquals(new int[] {3, 2, 2}, Pooling.maxPool2d(x3, 2).shape());
  }

  @Test
  void adaptiveAveragePoolingAveragesPyTorchsWindows() {
    double[] xv = randomDoubles(95, 2 * 3 * 7 * 5, -1, 1);
    Tensor x = Tensor.of(xv, 2, 3, 7, 5);
    for (int[] out : new int[][] {{1, 1}, {7, 5}, {3, 2}, {2, 4}}) {
      Tensor y = Pooling.adaptiveAvgPool2d(x, out[0], out[1]);
      double[] ref = new double[6 * out[0] * out[1]];
      for (int pl = 0; pl < 6; pl++)
        for (int i = 0; i < out[0]; i++)
          for (int j = 0; j < out[1]; j++) {
            int h0 = i * 7 / out[0], h1 = ((i + 1) * 7 + out[0] - 1) / out[0];
            int w0 = j * 5 / out[1], w1 = ((j + 1) * 5 + out[1] - 1) / out[1];
            double s = 0;
            for (int a = h0; a < h1; a++)
              for (int b = w0; b < w1; b++) s += xv[(pl * 7 + a) * 5 + b];
            ref[(pl * out[0] + i) * out[1] + j] = s / ((h1 - h0) * (w1 - w0));
          }
      assertClose(ref, y.toDoubleArray(), 1e-12, "adaptiveAvgPool2d " + out[0] + "x" + out[1]);
      var r = GradCheck.check(in -> Pooling.adaptiveAvgPool2d(in[0], out[0], out[1]), x);
      assertTrue(r.passed(), "adaptiveAvgPool2d grad " + out[0] + "x" + out[1] + ": " + r);
    }
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }
}
