package io.myelin.cpu;

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
    HostArray xs = HostArray.of(x), cs = HostArray.of(cols);
    threads.parallelFor(
        rows * images,
        g.outPlane(),
        (from, to) -> {
          for (int item = from; item < to; item++) {
            im2colRun(g, images, xs, xOffset, cs, colsOffset, item / images, item % images);
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
    int planes = images * g.channels();
    HostArray cs = HostArray.of(cols), xs = HostArray.of(x);
    threads.parallelFor(
        planes,
        (long) g.kernelH() * g.kernelW() * g.outPlane(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            col2imPlane(g, images, cs, colsOffset, xs, xOffset, p / g.channels(), p % g.channels());
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

  /** Row r of the column matrix for image n: outH runs of outW entries. */
  private static void im2colRun(
      ConvGeometry g,
      int images,
      HostArray x,
      int xOffset,
      HostArray cols,
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
        cols.fill0(dst, dst + outW);
        continue;
      }
      int row = src + h * g.width();
      cols.fill0(dst, dst + lo);
      if (g.strideW() == 1) {
        cols.copyRun(dst + lo, x, row + lo + w0, hi - lo);
      } else {
        for (int ow = lo; ow < hi; ow++) {
          cols.set(dst + ow, x.get(row + ow * g.strideW() + w0));
        }
      }
      cols.fill0(dst + hi, dst + outW);
    }
  }

  /** The (image n, channel c) plane of x: zeroed, then every tap added in (i, j, oh, ow) order. */
  private static void col2imPlane(
      ConvGeometry g,
      int images,
      HostArray cols,
      int colsOffset,
      HostArray x,
      int xOffset,
      int n,
      int c) {
    int kH = g.kernelH(), kW = g.kernelW(), outH = g.outH(), outW = g.outW();
    int plane = g.height() * g.width();
    int base = xOffset + n * g.imageSize() + c * plane;
    x.fill0(base, base + plane);
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
            x.addRun(row + lo, cols, src + lo, hi - lo);
          } else {
            for (int ow = lo; ow < hi; ow++) {
              x.add(row + ow * g.strideW(), cols.get(src + ow));
            }
          }
        }
      }
    }
  }
}
