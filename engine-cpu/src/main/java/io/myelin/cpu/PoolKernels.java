package io.myelin.cpu;

import io.myelin.backend.PoolGeometry;

/**
 * The CPU's max and average pooling ({@link io.myelin.backend.Backend#maxPool2d}, {@link
 * io.myelin.backend.Backend#avgPool2d} and their backwards), split over planes. A backward plane is
 * owned by one thread, which zeroes it and adds the outputs' shares in (oh, ow) order: the same
 * sums, in the same order, as a GPU's per-input gather. float32 windows are summed in double. One
 * loop per primitive serves both dtypes through {@link HostArray} (exact for float32). Stateless
 * and thread-safe.
 */
final class PoolKernels {
  private PoolKernels() {}

  static void maxPool2d(
      CpuThreads threads,
      PoolGeometry g,
      int planes,
      CpuStorage x,
      int xOffset,
      CpuStorage y,
      int yOffset,
      CpuStorage indices,
      int indicesOffset) {
    HostArray xs = HostArray.of(x), ys = HostArray.of(y);
    threads.parallelFor(
        planes,
        (long) g.outPlane() * g.kernelH() * g.kernelW(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int xo = xOffset + p * g.inPlane(), yo = yOffset + p * g.outPlane();
            maxPlane(g, xs, xo, ys, yo, indices.ints(), indicesOffset + p * g.outPlane());
          }
        });
  }

  static void maxPool2dBackward(
      CpuThreads threads,
      PoolGeometry g,
      int planes,
      CpuStorage gy,
      int gyOffset,
      CpuStorage indices,
      int indicesOffset,
      CpuStorage gx,
      int gxOffset) {
    HostArray gys = HostArray.of(gy), gxs = HostArray.of(gx);
    threads.parallelFor(
        planes,
        g.inPlane() + g.outPlane(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int xo = gxOffset + p * g.inPlane(), yo = gyOffset + p * g.outPlane();
            maxBackPlane(g, gys, yo, indices.ints(), indicesOffset + p * g.outPlane(), gxs, xo);
          }
        });
  }

  static void avgPool2d(
      CpuThreads threads,
      PoolGeometry g,
      int planes,
      CpuStorage x,
      int xOffset,
      CpuStorage y,
      int yOffset) {
    HostArray xs = HostArray.of(x), ys = HostArray.of(y);
    threads.parallelFor(
        planes,
        (long) g.outPlane() * g.kernelH() * g.kernelW(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            avgPlane(g, xs, xOffset + p * g.inPlane(), ys, yOffset + p * g.outPlane());
          }
        });
  }

  static void avgPool2dBackward(
      CpuThreads threads,
      PoolGeometry g,
      int planes,
      CpuStorage gy,
      int gyOffset,
      CpuStorage gx,
      int gxOffset) {
    HostArray gys = HostArray.of(gy), gxs = HostArray.of(gx);
    threads.parallelFor(
        planes,
        (long) g.outPlane() * g.kernelH() * g.kernelW(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            avgBackPlane(g, gys, gyOffset + p * g.outPlane(), gxs, gxOffset + p * g.inPlane());
          }
        });
  }

  /**
   * The window of output (oh, ow) clipped to the input, {h0, h1, w0, w1, divisor}, with PyTorch's
   * divisor: the window clipped to the padded input when padding counts, else the real elements.
   */
  static int[] window(PoolGeometry g, int oh, int ow) {
    int h0 = oh * g.strideH() - g.padH();
    int w0 = ow * g.strideW() - g.padW();
    int h1 = Math.min(h0 + g.kernelH(), g.height() + g.padH());
    int w1 = Math.min(w0 + g.kernelW(), g.width() + g.padW());
    int padded = (h1 - h0) * (w1 - w0);
    h0 = Math.max(h0, 0);
    w0 = Math.max(w0, 0);
    h1 = Math.min(h1, g.height());
    w1 = Math.min(w1, g.width());
    int divisor = g.countIncludePad() ? padded : (h1 - h0) * (w1 - w0);
    return new int[] {h0, h1, w0, w1, divisor};
  }

  private static int checkedIndex(int index, int plane) {
    if (index < 0 || index >= plane) {
      throw new IllegalArgumentException(
          "maxPool2dBackward: index " + index + " outside a plane of " + plane + " elements");
    }
    return index;
  }

  private static void maxPlane(
      PoolGeometry g, HostArray x, int xo, HostArray y, int yo, int[] idx, int io) {
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int[] win = window(g, oh, ow);
        int best = win[0] * g.width() + win[2];
        double max = Double.NEGATIVE_INFINITY; // float32 values widen exactly: the same order
        for (int h = win[0]; h < win[1]; h++) {
          for (int w = win[2]; w < win[3]; w++) {
            double v = x.get(xo + h * g.width() + w);
            if (v > max || Double.isNaN(v)) { // PyTorch: the first maximum, a NaN always
              max = v;
              best = h * g.width() + w;
            }
          }
        }
        y.set(yo + o, max);
        idx[io + o] = best;
      }
    }
  }

  private static void maxBackPlane(
      PoolGeometry g, HostArray gy, int yo, int[] idx, int io, HostArray gx, int xo) {
    int plane = g.inPlane();
    gx.fill0(xo, xo + plane);
    for (int o = 0; o < g.outPlane(); o++) {
      gx.add(xo + checkedIndex(idx[io + o], plane), gy.get(yo + o));
    }
  }

  /** Window sums in double, divided once, rounded once to the dtype. */
  private static void avgPlane(PoolGeometry g, HostArray x, int xo, HostArray y, int yo) {
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int[] win = window(g, oh, ow);
        double sum = 0;
        for (int h = win[0]; h < win[1]; h++) {
          for (int w = win[2]; w < win[3]; w++) {
            sum += x.get(xo + h * g.width() + w);
          }
        }
        y.set(yo + o, sum / win[4]);
      }
    }
  }

  /** Each output's share (gy / divisor, in the dtype) added to its window, in (oh, ow) order. */
  private static void avgBackPlane(PoolGeometry g, HostArray gy, int yo, HostArray gx, int xo) {
    gx.fill0(xo, xo + g.inPlane());
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int[] win = window(g, oh, ow);
        double share = gy.get(yo + o) / win[4]; // rounded to the dtype by add, as before
        for (int h = win[0]; h < win[1]; h++) {
          for (int w = win[2]; w < win[3]; w++) {
            gx.add(xo + h * g.width() + w, share);
          }
        }
      }
    }
  }
}
