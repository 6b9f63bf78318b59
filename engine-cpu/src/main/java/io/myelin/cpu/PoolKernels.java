package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.backend.PoolGeometry;

/**
 * The CPU's max and average pooling ({@link io.myelin.backend.Backend#maxPool2d}, {@link
 * io.myelin.backend.Backend#avgPool2d} and their backwards), split over planes. A backward plane is
 * owned by one thread, which zeroes it and adds the outputs' shares in (oh, ow) order: the same
 * sums, in the same order, as a GPU's per-input gather. float32 windows are summed in double.
 * Stateless and thread-safe.
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
    boolean f32 = x.dtype() == DType.FLOAT32;
    threads.parallelFor(
        planes,
        (long) g.outPlane() * g.kernelH() * g.kernelW(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int xo = xOffset + p * g.inPlane(), yo = yOffset + p * g.outPlane();
            int io = indicesOffset + p * g.outPlane();
            if (f32) {
              maxF(g, x.floats(), xo, y.floats(), yo, indices.ints(), io);
            } else {
              maxD(g, x.doubles(), xo, y.doubles(), yo, indices.ints(), io);
            }
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
    boolean f32 = gx.dtype() == DType.FLOAT32;
    threads.parallelFor(
        planes,
        g.inPlane() + g.outPlane(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int xo = gxOffset + p * g.inPlane(), yo = gyOffset + p * g.outPlane();
            int io = indicesOffset + p * g.outPlane();
            if (f32) {
              maxBackF(g, gy.floats(), yo, indices.ints(), io, gx.floats(), xo);
            } else {
              maxBackD(g, gy.doubles(), yo, indices.ints(), io, gx.doubles(), xo);
            }
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
    boolean f32 = x.dtype() == DType.FLOAT32;
    threads.parallelFor(
        planes,
        (long) g.outPlane() * g.kernelH() * g.kernelW(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int xo = xOffset + p * g.inPlane(), yo = yOffset + p * g.outPlane();
            if (f32) {
              avgF(g, x.floats(), xo, y.floats(), yo);
            } else {
              avgD(g, x.doubles(), xo, y.doubles(), yo);
            }
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
    boolean f32 = gx.dtype() == DType.FLOAT32;
    threads.parallelFor(
        planes,
        (long) g.outPlane() * g.kernelH() * g.kernelW(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            int xo = gxOffset + p * g.inPlane(), yo = gyOffset + p * g.outPlane();
            if (f32) {
              avgBackF(g, gy.floats(), yo, gx.floats(), xo);
            } else {
              avgBackD(g, gy.doubles(), yo, gx.doubles(), xo);
            }
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

  // ---- FLOAT ----------------------------------------------------------------------------------

  private static void maxF(
      PoolGeometry g, float[] x, int xo, float[] y, int yo, int[] idx, int io) {
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      int h0 = oh * g.strideH() - g.padH();
      int h1 = Math.min(h0 + g.kernelH(), g.height());
      h0 = Math.max(h0, 0);
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int w0 = ow * g.strideW() - g.padW();
        int w1 = Math.min(w0 + g.kernelW(), g.width());
        w0 = Math.max(w0, 0);
        int best = h0 * g.width() + w0;
        float max = Float.NEGATIVE_INFINITY;
        for (int h = h0; h < h1; h++) {
          for (int w = w0; w < w1; w++) {
            float v = x[xo + h * g.width() + w];
            if (v > max || Float.isNaN(v)) { // PyTorch: the first maximum, a NaN always
              max = v;
              best = h * g.width() + w;
            }
          }
        }
        y[yo + o] = max;
        idx[io + o] = best;
      }
    }
  }

  private static void maxBackF(
      PoolGeometry g, float[] gy, int yo, int[] idx, int io, float[] gx, int xo) {
    int plane = g.inPlane();
    java.util.Arrays.fill(gx, xo, xo + plane, 0f);
    for (int o = 0; o < g.outPlane(); o++) {
      gx[xo + checkedIndex(idx[io + o], plane)] += gy[yo + o];
    }
  }

  private static void avgF(PoolGeometry g, float[] x, int xo, float[] y, int yo) {
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int[] win = window(g, oh, ow);
        double sum = 0;
        for (int h = win[0]; h < win[1]; h++) {
          for (int w = win[2]; w < win[3]; w++) {
            sum += x[xo + h * g.width() + w];
          }
        }
        y[yo + o] = (float) (sum / win[4]);
      }
    }
  }

  private static void avgBackF(PoolGeometry g, float[] gy, int yo, float[] gx, int xo) {
    java.util.Arrays.fill(gx, xo, xo + g.inPlane(), 0f);
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int[] win = window(g, oh, ow);
        float share = (float) (gy[yo + o] / (double) win[4]);
        for (int h = win[0]; h < win[1]; h++) {
          for (int w = win[2]; w < win[3]; w++) {
            gx[xo + h * g.width() + w] += share;
          }
        }
      }
    }
  }

  // ---- DOUBLE ----------------------------------------------------------------------------------

  private static void maxD(
      PoolGeometry g, double[] x, int xo, double[] y, int yo, int[] idx, int io) {
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      int h0 = oh * g.strideH() - g.padH();
      int h1 = Math.min(h0 + g.kernelH(), g.height());
      h0 = Math.max(h0, 0);
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int w0 = ow * g.strideW() - g.padW();
        int w1 = Math.min(w0 + g.kernelW(), g.width());
        w0 = Math.max(w0, 0);
        int best = h0 * g.width() + w0;
        double max = Double.NEGATIVE_INFINITY;
        for (int h = h0; h < h1; h++) {
          for (int w = w0; w < w1; w++) {
            double v = x[xo + h * g.width() + w];
            if (v > max || Double.isNaN(v)) { // PyTorch: the first maximum, a NaN always
              max = v;
              best = h * g.width() + w;
            }
          }
        }
        y[yo + o] = max;
        idx[io + o] = best;
      }
    }
  }

  private static void maxBackD(
      PoolGeometry g, double[] gy, int yo, int[] idx, int io, double[] gx, int xo) {
    int plane = g.inPlane();
    java.util.Arrays.fill(gx, xo, xo + plane, 0.0);
    for (int o = 0; o < g.outPlane(); o++) {
      gx[xo + checkedIndex(idx[io + o], plane)] += gy[yo + o];
    }
  }

  private static void avgD(PoolGeometry g, double[] x, int xo, double[] y, int yo) {
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int[] win = window(g, oh, ow);
        double sum = 0;
        for (int h = win[0]; h < win[1]; h++) {
          for (int w = win[2]; w < win[3]; w++) {
            sum += x[xo + h * g.width() + w];
          }
        }
        y[yo + o] = (sum / win[4]);
      }
    }
  }

  private static void avgBackD(PoolGeometry g, double[] gy, int yo, double[] gx, int xo) {
    java.util.Arrays.fill(gx, xo, xo + g.inPlane(), 0.0);
    int o = 0;
    for (int oh = 0; oh < g.outH(); oh++) {
      for (int ow = 0; ow < g.outW(); ow++, o++) {
        int[] win = window(g, oh, ow);
        double share = gy[yo + o] / win[4];
        for (int h = win[0]; h < win[1]; h++) {
          for (int w = win[2]; w < win[3]; w++) {
            gx[xo + h * g.width() + w] += share;
          }
        }
      }
    }
  }
}
