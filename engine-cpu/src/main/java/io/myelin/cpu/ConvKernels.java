package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.backend.ConvGeometry;

/**
 * The CPU's {@link io.myelin.backend.Backend#im2col} and {@link io.myelin.backend.Backend#col2im}.
 * im2col is split over (column-matrix row, image) pairs, each a run of {@code outH} rows of {@code
 * outW} entries: with stride 1 a row is one array copy between two zero-filled margins. col2im is
 * split over (image, channel) planes; a plane is owned by one thread, which zeroes it and adds the
 * taps in (i, j) order, so the result does not depend on the split and equals a per-element gather
 * in that order. Stateless and thread-safe.
 */
final class ConvKernels {
  private ConvKernels() {}

  static void im2col(
      CpuThreads threads,
      ConvGeometry g,
      int images,
      CpuStorage x,
      int xOffset,
      CpuStorage cols,
      int colsOffset) {
    int rows = g.colRows();
    boolean f32 = x.dtype() == DType.FLOAT32;
    threads.parallelFor(
        rows * images,
        g.outPlane(),
        (from, to) -> {
          for (int item = from; item < to; item++) {
            int r = item / images, n = item % images;
            if (f32) {
              im2colF(g, images, x.floats(), xOffset, cols.floats(), colsOffset, r, n);
            } else {
              im2colD(g, images, x.doubles(), xOffset, cols.doubles(), colsOffset, r, n);
            }
          }
        });
  }

  static void col2im(
      CpuThreads threads,
      ConvGeometry g,
      int images,
      CpuStorage cols,
      int colsOffset,
      CpuStorage x,
      int xOffset) {
    boolean f32 = x.dtype() == DType.FLOAT32;
    int planes = images * g.channels();
    threads.parallelFor(
        planes,
        (long) g.kernelH() * g.kernelW() * g.outPlane(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int n = p / g.channels(), c = p % g.channels();
            if (f32) {
              col2imF(g, images, cols.floats(), colsOffset, x.floats(), xOffset, n, c);
            } else {
              col2imD(g, images, cols.doubles(), colsOffset, x.doubles(), xOffset, n, c);
            }
          }
        });
  }

  /** The first output column ow >= 0 with {@code ow * stride + w0 >= 0}. */
  static int firstInside(int w0, int stride) {
    return w0 >= 0 ? 0 : (-w0 + stride - 1) / stride;
  }

  /** One past the last output column ow < outW with {@code ow * stride + w0 < width}. */
  static int lastInside(int w0, int stride, int width, int outW) {
    if (width - 1 - w0 < 0) {
      return 0;
    }
    return Math.min(outW, (width - 1 - w0) / stride + 1);
  }

  // ---- FLOAT ----------------------------------------------------------------------------------

  private static void im2colF(
      ConvGeometry g,
      int images,
      float[] x,
      int xOffset,
      float[] cols,
      int colsOffset,
      int r,
      int n) {
    int kH = g.kernelH(), kW = g.kernelW(), outH = g.outH(), outW = g.outW();
    int c = r / (kH * kW), i = r / kW % kH, j = r % kW;
    int plane = g.height() * g.width();
    int src = xOffset + n * g.imageSize() + c * plane;
    int dst = colsOffset + (r * images + n) * g.outPlane();
    int w0 = j * g.dilationW() - g.padW();
    // Output columns whose input column lies inside the image: [lo, hi).
    int lo = firstInside(w0, g.strideW());
    int hi = Math.max(lo, lastInside(w0, g.strideW(), g.width(), outW));
    for (int oh = 0; oh < outH; oh++, dst += outW) {
      int h = oh * g.strideH() - g.padH() + i * g.dilationH();
      if (h < 0 || h >= g.height()) {
        java.util.Arrays.fill(cols, dst, dst + outW, 0f);
        continue;
      }
      int row = src + h * g.width();
      java.util.Arrays.fill(cols, dst, dst + lo, 0f);
      if (g.strideW() == 1) {
        System.arraycopy(x, row + lo + w0, cols, dst + lo, hi - lo);
      } else {
        for (int ow = lo; ow < hi; ow++) {
          cols[dst + ow] = x[row + ow * g.strideW() + w0];
        }
      }
      java.util.Arrays.fill(cols, dst + hi, dst + outW, 0f);
    }
  }

  private static void col2imF(
      ConvGeometry g,
      int images,
      float[] cols,
      int colsOffset,
      float[] x,
      int xOffset,
      int n,
      int c) {
    int kH = g.kernelH(), kW = g.kernelW(), outH = g.outH(), outW = g.outW();
    int plane = g.height() * g.width();
    int base = xOffset + n * g.imageSize() + c * plane;
    java.util.Arrays.fill(x, base, base + plane, 0f);
    for (int i = 0; i < kH; i++) {
      for (int j = 0; j < kW; j++) {
        int r = (c * kH + i) * kW + j;
        int src = colsOffset + (r * images + n) * g.outPlane();
        int w0 = j * g.dilationW() - g.padW();
        int lo = firstInside(w0, g.strideW());
        int hi = Math.max(lo, lastInside(w0, g.strideW(), g.width(), outW));
        for (int oh = 0; oh < outH; oh++, src += outW) {
          int h = oh * g.strideH() - g.padH() + i * g.dilationH();
          if (h < 0 || h >= g.height()) {
            continue;
          }
          int row = base + h * g.width() + w0;
          if (g.strideW() == 1) {
            for (int ow = lo; ow < hi; ow++) {
              x[row + ow] += cols[src + ow];
            }
          } else {
            for (int ow = lo; ow < hi; ow++) {
              x[row + ow * g.strideW()] += cols[src + ow];
            }
          }
        }
      }
    }
  }

  // ---- DOUBLE ----------------------------------------------------------------------------------

  private static void im2colD(
      ConvGeometry g,
      int images,
      double[] x,
      int xOffset,
      double[] cols,
      int colsOffset,
      int r,
      int n) {
    int kH = g.kernelH(), kW = g.kernelW(), outH = g.outH(), outW = g.outW();
    int c = r / (kH * kW), i = r / kW % kH, j = r % kW;
    int plane = g.height() * g.width();
    int src = xOffset + n * g.imageSize() + c * plane;
    int dst = colsOffset + (r * images + n) * g.outPlane();
    int w0 = j * g.dilationW() - g.padW();
    // Output columns whose input column lies inside the image: [lo, hi).
    int lo = firstInside(w0, g.strideW());
    int hi = Math.max(lo, lastInside(w0, g.strideW(), g.width(), outW));
    for (int oh = 0; oh < outH; oh++, dst += outW) {
      int h = oh * g.strideH() - g.padH() + i * g.dilationH();
      if (h < 0 || h >= g.height()) {
        java.util.Arrays.fill(cols, dst, dst + outW, 0.0);
        continue;
      }
      int row = src + h * g.width();
      java.util.Arrays.fill(cols, dst, dst + lo, 0.0);
      if (g.strideW() == 1) {
        System.arraycopy(x, row + lo + w0, cols, dst + lo, hi - lo);
      } else {
        for (int ow = lo; ow < hi; ow++) {
          cols[dst + ow] = x[row + ow * g.strideW() + w0];
        }
      }
      java.util.Arrays.fill(cols, dst + hi, dst + outW, 0.0);
    }
  }

  private static void col2imD(
      ConvGeometry g,
      int images,
      double[] cols,
      int colsOffset,
      double[] x,
      int xOffset,
      int n,
      int c) {
    int kH = g.kernelH(), kW = g.kernelW(), outH = g.outH(), outW = g.outW();
    int plane = g.height() * g.width();
    int base = xOffset + n * g.imageSize() + c * plane;
    java.util.Arrays.fill(x, base, base + plane, 0.0);
    for (int i = 0; i < kH; i++) {
      for (int j = 0; j < kW; j++) {
        int r = (c * kH + i) * kW + j;
        int src = colsOffset + (r * images + n) * g.outPlane();
        int w0 = j * g.dilationW() - g.padW();
        int lo = firstInside(w0, g.strideW());
        int hi = Math.max(lo, lastInside(w0, g.strideW(), g.width(), outW));
        for (int oh = 0; oh < outH; oh++, src += outW) {
          int h = oh * g.strideH() - g.padH() + i * g.dilationH();
          if (h < 0 || h >= g.height()) {
            continue;
          }
          int row = base + h * g.width() + w0;
          if (g.strideW() == 1) {
            for (int ow = lo; ow < hi; ow++) {
              x[row + ow] += cols[src + ow];
            }
          } else {
            for (int ow = lo; ow < hi; ow++) {
              x[row + ow * g.strideW()] += cols[src + ow];
            }
          }
        }
      }
    }
  }
}
