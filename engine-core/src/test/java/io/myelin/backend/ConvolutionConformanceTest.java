package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Conformance of the convolution-lowering and pooling primitives ({@link Backend#im2col}, {@link
 * Backend#col2im}, {@link Backend#maxPool2d}, {@link Backend#avgPool2d} and their backwards)
 * against direct float64 loops written from the definitions (not from the kernels' index maps), on
 * seeded random inputs with awkward geometries: 1x1 images, odd strides, dilation 2, even kernels
 * with asymmetric padding, ceil mode, both divisors of average pooling; plus ties, NaN and -inf for
 * max pooling, outputs at offsets surrounded by NaN sentinels (nothing else written), determinism,
 * and the argument errors.
 */
public abstract class ConvolutionConformanceTest extends BackendTestSupport {
  private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

  /** images, C, H, W, kH, kW, sH, sW, padTop, padBottom, padLeft, padRight, dH, dW. */
  private static final int[][] CONV = {
    {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1}, // 1x1 image, 1x1 kernel
    {2, 3, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, // 1x1 image, 3x3 kernel, pad 1
    {3, 2, 7, 5, 3, 2, 2, 3, 1, 1, 0, 0, 1, 1}, // odd strides
    {2, 3, 9, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2}, // dilation 2
    {1, 2, 6, 7, 4, 4, 3, 2, 1, 1, 2, 2, 1, 2}, // even kernel, mixed dilation
    {1, 2, 5, 6, 2, 2, 1, 1, 0, 1, 0, 1, 1, 1}, // "same" with an even kernel (pad after)
    {5, 3, 11, 13, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1},
    {2, 1, 28, 28, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1}, // MNIST's first layer
    {3, 4, 3, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1}, // kernel = image: 1x1 output
  };

  /** planes, H, W, kH, kW, sH, sW, pH, pW, ceil (0/1). */
  private static final int[][] POOL = {
    {1, 1, 1, 1, 1, 1, 1, 0, 0, 0},
    {3, 4, 4, 2, 2, 2, 2, 0, 0, 0},
    {2, 5, 7, 3, 3, 2, 2, 1, 1, 1},
    {2, 6, 6, 3, 2, 3, 1, 1, 0, 0},
    {4, 28, 28, 2, 2, 2, 2, 0, 0, 0},
    {1, 5, 5, 4, 4, 3, 3, 2, 2, 1},
    {2, 7, 7, 3, 3, 3, 3, 1, 1, 1},
    {3, 9, 4, 2, 3, 3, 2, 0, 1, 1},
  };

  private static ConvGeometry conv(int[] c) {
    return ConvGeometry.of(
        c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13]);
  }

  private static PoolGeometry pool(int[] p, boolean countIncludePad) {
    return PoolGeometry.of(
        p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9] == 1, countIncludePad);
  }

  // ---- references, from the definitions --------------------------------------------------------

  /** The input element a column entry reads, or -1 for padding. */
  private static int source(ConvGeometry g, int n, int c, int i, int j, int oh, int ow) {
    int h = oh * g.strideH() - g.padH() + i * g.dilationH();
    int w = ow * g.strideW() - g.padW() + j * g.dilationW();
    if (h < 0 || h >= g.height() || w < 0 || w >= g.width()) {
      return -1;
    }
    return ((n * g.channels() + c) * g.height() + h) * g.width() + w;
  }

  private static double[] im2colReference(ConvGeometry g, int images, double[] x) {
    int cols = images * g.outPlane();
    double[] out = new double[g.colRows() * cols];
    for (int c = 0; c < g.channels(); c++)
      for (int i = 0; i < g.kernelH(); i++)
        for (int j = 0; j < g.kernelW(); j++)
          for (int n = 0; n < images; n++)
            for (int oh = 0; oh < g.outH(); oh++)
              for (int ow = 0; ow < g.outW(); ow++) {
                int s = source(g, n, c, i, j, oh, ow);
                int r = (c * g.kernelH() + i) * g.kernelW() + j;
                out[r * cols + n * g.outPlane() + oh * g.outW() + ow] = s < 0 ? 0 : x[s];
              }
    return out;
  }

  /** col2im as the transpose of im2col: scatter every entry back; also the sums of |terms|. */
  private static double[][] col2imReference(ConvGeometry g, int images, double[] cols) {
    int width = images * g.outPlane();
    double[] x = new double[images * g.imageSize()];
    double[] scale = new double[x.length];
    for (int r = 0; r < g.colRows(); r++) {
      int c = r / (g.kernelH() * g.kernelW()),
          i = r / g.kernelW() % g.kernelH(),
          j = r % g.kernelW();
      for (int n = 0; n < images; n++)
        for (int oh = 0; oh < g.outH(); oh++)
          for (int ow = 0; ow < g.outW(); ow++) {
            int s = source(g, n, c, i, j, oh, ow);
            if (s >= 0) {
              double v = cols[r * width + n * g.outPlane() + oh * g.outW() + ow];
              x[s] += v;
              scale[s] += Math.abs(v);
            }
          }
    }
    return new double[][] {x, scale};
  }

  /** y, indices of max pooling, scanning each window in row-major order. */
  private static double[][] maxReference(PoolGeometry g, int planes, double[] x) {
    double[] y = new double[planes * g.outPlane()];
    double[] idx = new double[y.length];
    for (int p = 0; p < planes; p++)
      for (int oh = 0; oh < g.outH(); oh++)
        for (int ow = 0; ow < g.outW(); ow++) {
          // The plain definition: first position of the maximum; a NaN (last one) wins.
          int first = -1;
          int lastNan = -1;
          double max = Double.NEGATIVE_INFINITY;
          for (int h = Math.max(0, oh * g.strideH() - g.padH());
              h < Math.min(g.height(), oh * g.strideH() - g.padH() + g.kernelH());
              h++)
            for (int w = Math.max(0, ow * g.strideW() - g.padW());
                w < Math.min(g.width(), ow * g.strideW() - g.padW() + g.kernelW());
                w++) {
              double v = x[p * g.inPlane() + h * g.width() + w];
              if (Double.isNaN(v)) {
                lastNan = h * g.width() + w;
              } else if (first < 0 || v > max) {
                max = v;
                first = h * g.width() + w;
              }
            }
          int o = p * g.outPlane() + oh * g.outW() + ow;
          y[o] = lastNan >= 0 ? Double.NaN : max;
          idx[o] = lastNan >= 0 ? lastNan : first;
        }
    return new double[][] {y, idx};
  }

  private static int divisor(PoolGeometry g, int oh, int ow) {
    int h0 = oh * g.strideH() - g.padH(), w0 = ow * g.strideW() - g.padW();
    int h1 = Math.min(h0 + g.kernelH(), g.height() + g.padH());
    int w1 = Math.min(w0 + g.kernelW(), g.width() + g.padW());
    if (g.countIncludePad()) {
      return (h1 - h0) * (w1 - w0);
    }
    int real = 0;
    for (int h = h0; h < h1; h++)
      for (int w = w0; w < w1; w++) if (h >= 0 && h < g.height() && w >= 0 && w < g.width()) real++;
    return real;
  }

  private static double[] avgReference(PoolGeometry g, int planes, double[] x) {
    double[] y = new double[planes * g.outPlane()];
    for (int p = 0; p < planes; p++)
      for (int oh = 0; oh < g.outH(); oh++)
        for (int ow = 0; ow < g.outW(); ow++) {
          double s = 0;
          for (int h = oh * g.strideH() - g.padH();
              h < oh * g.strideH() - g.padH() + g.kernelH();
              h++)
            for (int w = ow * g.strideW() - g.padW();
                w < ow * g.strideW() - g.padW() + g.kernelW();
                w++)
              if (h >= 0 && h < g.height() && w >= 0 && w < g.width())
                s += x[p * g.inPlane() + h * g.width() + w];
          y[p * g.outPlane() + oh * g.outW() + ow] = s / divisor(g, oh, ow);
        }
    return y;
  }

  private static double[] avgBackwardReference(PoolGeometry g, int planes, double[] gy) {
    double[] gx = new double[planes * g.inPlane()];
    for (int p = 0; p < planes; p++)
      for (int oh = 0; oh < g.outH(); oh++)
        for (int ow = 0; ow < g.outW(); ow++) {
          double share = gy[p * g.outPlane() + oh * g.outW() + ow] / divisor(g, oh, ow);
          for (int h = oh * g.strideH() - g.padH();
              h < oh * g.strideH() - g.padH() + g.kernelH();
              h++)
            for (int w = ow * g.strideW() - g.padW();
                w < ow * g.strideW() - g.padW() + g.kernelW();
                w++)
              if (h >= 0 && h < g.height() && w >= 0 && w < g.width())
                gx[p * g.inPlane() + h * g.width() + w] += share;
        }
    return gx;
  }

  private static double[] slice(double[] v, int from, int n) {
    return Arrays.copyOfRange(v, from, from + n);
  }

  /** The sentinels around an output region are untouched. */
  private static void assertSentinels(String what, double[] all, int from, int n) {
    for (int i = 0; i < all.length; i++) {
      if (i < from || i >= from + n) {
        assertTrue(
            Double.isNaN(all[i]) || all[i] == -7, what + ": wrote outside its region at " + i);
      }
    }
  }

  // ---- tests
  // -------------------------------------------------------------------------------------

  @Test
  void im2colMatchesTheDefinition() {
    SplittableRandom r = rng(1500);
    for (DType dt : FLOATS) {
      for (int[] c : CONV) {
        ConvGeometry g = conv(c);
        int images = c[0];
        double[] x = rounded(dt, uniform(r, images * g.imageSize(), -2, 2));
        Storage xs = upload(dt, CrossEntropyConformanceTest.pad(3, x));
        int n = g.colRows() * images * g.outPlane();
        Storage cols = filled(dt, n + 3, Double.NaN);
        backend().im2col(g, images, xs, 3, cols, 2);
        double[] all = download(cols);
        String what = "im2col " + dt + " " + g;
        assertArrayEquals(im2colReference(g, images, x), slice(all, 2, n), 0, what);
        assertSentinels(what, all, 2, n);
      }
    }
  }

  @Test
  void col2imIsTheAdjointOfIm2col() {
    SplittableRandom r = rng(1501);
    for (DType dt : FLOATS) {
      for (int[] c : CONV) {
        ConvGeometry g = conv(c);
        int images = c[0];
        int n = g.colRows() * images * g.outPlane();
        double[] cols = rounded(dt, uniform(r, n, -2, 2));
        Storage cs = upload(dt, CrossEntropyConformanceTest.pad(1, cols));
        int m = images * g.imageSize();
        Storage xs = filled(dt, m + 4, Double.NaN); // overwritten, never accumulated into
        backend().col2im(g, images, cs, 1, xs, 3);
        double[] all = download(xs);
        double[][] ref = col2imReference(g, images, cols);
        String what = "col2im " + dt + " " + g;
        assertCloseScaled(what, ref[0], slice(all, 3, m), ref[1], accumulatedTol(dt));
        assertSentinels(what, all, 3, m);
        backend().col2im(g, images, cs, 1, xs, 3);
        assertArrayEquals(all, download(xs), 0, what + " is deterministic");
      }
    }
  }

  @Test
  void maxPoolMatchesTheDefinitionWithTiesNanAndInfinity() {
    SplittableRandom r = rng(1502);
    for (DType dt : FLOATS) {
      for (int[] p : POOL) {
        PoolGeometry g = pool(p, true);
        int planes = p[0];
        for (int variant = 0; variant < 3; variant++) {
          double[] x =
              variant == 0
                  ? uniform(r, planes * g.inPlane(), -3, 3)
                  : integers(r, planes * g.inPlane(), -2, 1); // many ties
          if (variant == 2) {
            for (int i = 0; i < x.length; i++) {
              int k = r.nextInt(8);
              x[i] = k == 0 ? Double.NaN : k == 1 ? Double.NEGATIVE_INFINITY : x[i];
            }
          }
          x = rounded(dt, x);
          int out = planes * g.outPlane();
          Storage xs = upload(dt, CrossEntropyConformanceTest.pad(2, x));
          Storage y = filled(dt, out + 2, Double.NaN);
          Storage idx = filled(DType.INT32, out + 2, -7);
          backend().maxPool2d(g, planes, xs, 2, y, 1, idx, 1);
          double[][] ref = maxReference(g, planes, x);
          String what = "maxPool2d " + dt + " " + g + " variant " + variant;
          double[] ya = download(y), ia = download(idx);
          assertArrayEquals(ref[0], slice(ya, 1, out), 0, what + " values");
          assertArrayEquals(ref[1], slice(ia, 1, out), 0, what + " indices");
          assertSentinels(what, ya, 1, out);
          assertSentinels(what, ia, 1, out);

          // Backward: each gy lands on its window's index, summed where windows share one.
          double[] gy = rounded(dt, uniform(r, out, -1, 1));
          double[] gx = new double[planes * g.inPlane()];
          double[] scale = new double[gx.length];
          for (int o = 0; o < out; o++) {
            int at = (o / g.outPlane()) * g.inPlane() + (int) ref[1][o];
            gx[at] += gy[o];
            scale[at] += Math.abs(gy[o]);
          }
          Storage gys = upload(dt, CrossEntropyConformanceTest.pad(1, gy));
          Storage gxs = filled(dt, gx.length + 3, Double.NaN);
          backend().maxPool2dBackward(g, planes, gys, 1, idx, 1, gxs, 2);
          double[] ga = download(gxs);
          assertCloseScaled(
              what + " backward", gx, slice(ga, 2, gx.length), scale, accumulatedTol(dt));
          assertSentinels(what + " backward", ga, 2, gx.length);
        }
      }
    }
  }

  @Test
  void avgPoolMatchesTheDefinitionForBothDivisors() {
    SplittableRandom r = rng(1503);
    for (DType dt : FLOATS) {
      for (int[] p : POOL) {
        for (boolean includePad : new boolean[] {true, false}) {
          PoolGeometry g = pool(p, includePad);
          int planes = p[0];
          int out = planes * g.outPlane();
          double[] x = rounded(dt, uniform(r, planes * g.inPlane(), -3, 3));
          Storage xs = upload(dt, CrossEntropyConformanceTest.pad(2, x));
          Storage y = filled(dt, out + 2, Double.NaN);
          backend().avgPool2d(g, planes, xs, 2, y, 1);
          String what = "avgPool2d " + dt + " " + g;
          double[] ya = download(y);
          assertClose(what, avgReference(g, planes, x), slice(ya, 1, out), accumulatedTol(dt), 1);
          assertSentinels(what, ya, 1, out);

          double[] gy = rounded(dt, uniform(r, out, -1, 1));
          Storage gys = upload(dt, CrossEntropyConformanceTest.pad(1, gy));
          Storage gxs = filled(dt, planes * g.inPlane() + 3, Double.NaN);
          backend().avgPool2dBackward(g, planes, gys, 1, gxs, 2);
          double[] ga = download(gxs);
          assertClose(
              what + " backward",
              avgBackwardReference(g, planes, gy),
              slice(ga, 2, planes * g.inPlane()),
              accumulatedTol(dt),
              1);
          assertSentinels(what + " backward", ga, 2, planes * g.inPlane());
        }
      }
    }
  }

  @Test
  void ceilModeDropsAWindowStartingInThePadding() {
    // PyTorch: 5 wide, kernel 2, stride 2, ceil: 3 windows ([0,2) [2,4) [4,5)); with pad 1 the
    // window at 5 would start in the right padding and is dropped: (5 + 2 - 2 + 1) / 2 + 1 = 4 ->
    // 3.
    assertEquals(3, PoolGeometry.of(5, 5, 2, 2, 2, 2, 0, 0, true, true).outW());
    assertEquals(2, PoolGeometry.of(5, 5, 2, 2, 2, 2, 0, 0, false, true).outW());
    assertEquals(3, PoolGeometry.of(5, 5, 2, 2, 2, 2, 1, 1, true, true).outW());
    // 6 wide, kernel 3, stride 2, pad 1, ceil: windows start at -1, 1, 3, 5; 5 is inside: 4 kept.
    assertEquals(4, PoolGeometry.of(6, 6, 3, 3, 2, 2, 1, 1, true, true).outW());
    assertEquals(3, PoolGeometry.of(6, 6, 3, 3, 2, 2, 1, 1, false, true).outW());
  }

  @Test
  void geometryErrorsAreThoseOfPyTorch() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> ConvGeometry.of(1, 2, 2, 5, 5, 1, 1, 1, 1, 1, 1));
    assertTrue(
        e.getMessage().contains("Kernel size can't be greater than actual input size"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("(4 x 4)") && e.getMessage().contains("(5 x 5)"), e.getMessage());
    // Dilation counts: a 3-tap kernel with dilation 2 spans 5.
    assertThrows(
        IllegalArgumentException.class, () -> ConvGeometry.of(1, 4, 4, 3, 3, 1, 1, 0, 0, 2, 2));
    var p =
        assertThrows(
            IllegalArgumentException.class,
            () -> PoolGeometry.of(4, 4, 2, 2, 2, 2, 2, 2, false, true));
    assertTrue(p.getMessage().contains("pad should be at most half"), p.getMessage());
    var small =
        assertThrows(
            IllegalArgumentException.class,
            () -> PoolGeometry.of(1, 1, 3, 3, 1, 1, 0, 0, false, true));
    assertTrue(small.getMessage().contains("too small"), small.getMessage());
  }

  @Test
  void badOperandsAreRefusedBeforeAnyWrite() {
    // The checks live in the validation layer every user-facing backend goes through.
    Backend checked = CheckedBackend.of(backend());
    ConvGeometry g = ConvGeometry.of(2, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1);
    Storage x = filled(DType.FLOAT32, 2 * g.imageSize(), 1);
    Storage shortCols = filled(DType.FLOAT32, g.colRows() * g.outPlane() * 2 - 1, Double.NaN);
    assertThrows(IllegalArgumentException.class, () -> checked.im2col(g, 2, x, 0, shortCols, 0));
    assertTrue(Double.isNaN(download(shortCols)[0]));
    Storage cols64 = filled(DType.FLOAT64, g.colRows() * g.outPlane() * 2, 0);
    assertThrows(IllegalArgumentException.class, () -> checked.im2col(g, 2, x, 0, cols64, 0));
    Storage ints = filled(DType.INT32, 2 * g.imageSize(), 0);
    assertThrows(IllegalArgumentException.class, () -> checked.col2im(g, 2, cols64, 0, ints, 0));
    PoolGeometry pg = PoolGeometry.of(4, 4, 2, 2, 2, 2, 0, 0, false, true);
    Storage y = filled(DType.FLOAT32, 4, 0);
    Storage badIdx = filled(DType.FLOAT32, 4, 0);
    assertThrows(
        IllegalArgumentException.class,
        () -> checked.maxPool2d(pg, 1, filled(DType.FLOAT32, 16, 0), 0, y, 0, badIdx, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> checked.avgPool2d(pg, -1, filled(DType.FLOAT32, 16, 0), 0, y, 0));
  }
}
