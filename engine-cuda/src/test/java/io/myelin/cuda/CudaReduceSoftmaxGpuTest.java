package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.myelin.DType;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import org.junit.jupiter.api.Test;

/** Reductions and softmax on the GPU against double-precision loops. */
class CudaReduceSoftmaxGpuTest extends CudaGpuTest {
  private static final int[][] SHAPES = {
    {1, 1, 1},
    {3, 1000, 1},
    {1, 7, 1},
    {5, 33, 7},
    {2, 257, 64},
    {1, 100_003, 1},
    {4, 3, 1000},
    {17, 1, 5},
    {3, 0, 4}
  };

  static double[] reference(ReduceOp op, double[] x, int outer, int reduced, int inner) {
    double[] out = new double[outer * inner];
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        double acc =
            switch (op) {
              case SUM, MEAN -> 0;
              case MAX, ARGMAX -> Double.NEGATIVE_INFINITY;
              case MIN, ARGMIN -> Double.POSITIVE_INFINITY;
            };
        int arg = 0;
        for (int r = 0; r < reduced; r++) {
          double v = x[(o * reduced + r) * inner + i];
          switch (op) {
            case SUM, MEAN -> acc += v;
            case MAX -> acc = Math.max(acc, v);
            case MIN -> acc = Math.min(acc, v);
            case ARGMAX -> {
              if (v > acc || r == 0) {
                acc = v;
                arg = r;
              }
            }
            case ARGMIN -> {
              if (v < acc || r == 0) {
                acc = v;
                arg = r;
              }
            }
          }
        }
        out[o * inner + i] =
            switch (op) {
              case MEAN -> acc / reduced;
              case ARGMAX, ARGMIN -> arg;
              default -> acc;
            };
      }
    }
    return out;
  }

  @Test
  void everyReductionMatchesAndIsDeterministic() {
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int outer = s[0];
        int reduced = s[1];
        int inner = s[2];
        double[] x = rounded(dt, uniform(outer * reduced * inner, -2, 2));
        for (int k = 0; k < x.length; k += 11) {
          x[k] = x[Math.max(0, k - 5)]; // ties, so the first index must win
        }
        Storage sx = upload(dt, x);
        for (ReduceOp op : ReduceOp.values()) {
          if (reduced == 0 && op != ReduceOp.SUM && op != ReduceOp.MEAN) {
            continue; // an error above the SPI
          }
          DType outType = op.producesIndices() ? DType.INT32 : dt;
          Storage out = b.allocate(outType, outer * inner + 2);
          b.reduce(op, sx, 0, outer, reduced, inner, out, 2);
          double[] got = java.util.Arrays.copyOfRange(download(out), 2, outer * inner + 2);
          String what = op + " " + dt + " " + java.util.Arrays.toString(s);
          assertClose(
              reference(op, x, outer, reduced, inner),
              got,
              op.producesIndices() ? 0 : tolerance(dt, 1e-4),
              what);
          b.reduce(op, sx, 0, outer, reduced, inner, out, 2);
          assertArrayEquals(
              got,
              java.util.Arrays.copyOfRange(download(out), 2, outer * inner + 2),
              what + " differs between two runs");
          out.release();
        }
        sx.release();
      }
    }
  }

  @Test
  void softmaxAndLogSoftmaxForwardAndBackward() {
    int[][] shapes = {{1, 1}, {3, 10}, {64, 257}, {5, 4099}, {1000, 31}};
    for (DType dt : FLOATS) {
      for (int[] s : shapes) {
        int rows = s[0];
        int cols = s[1];
        double[] x = rounded(dt, uniform(rows * cols, -8, 8));
        double[] gy = rounded(dt, uniform(rows * cols, -1, 1));
        for (boolean log : new boolean[] {false, true}) {
          double[] y = new double[rows * cols];
          double[] gx = new double[rows * cols];
          for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
              m = Math.max(m, x[r * cols + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
              sum += Math.exp(x[r * cols + c] - m);
            }
            for (int c = 0; c < cols; c++) {
              int k = r * cols + c;
              y[k] = log ? x[k] - m - Math.log(sum) : Math.exp(x[k] - m) / sum;
            }
          }
          double[] yd = rounded(dt, y);
          for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int c = 0; c < cols; c++) {
              int k = r * cols + c;
              dot += log ? gy[k] : gy[k] * yd[k];
            }
            for (int c = 0; c < cols; c++) {
              int k = r * cols + c;
              gx[k] = log ? gy[k] - Math.exp(yd[k]) * dot : yd[k] * (gy[k] - dot);
            }
          }
          Storage sx = upload(dt, x);
          Storage sy = b.allocate(dt, rows * cols);
          b.softmax(log, sx, 0, rows, cols, sy, 0);
          String what = (log ? "log_softmax " : "softmax ") + dt + " " + rows + "x" + cols;
          assertClose(y, download(sy), tolerance(dt, 1e-5), what);
          Storage syd = upload(dt, yd);
          Storage sgy = upload(dt, gy);
          Storage sgx = b.allocate(dt, rows * cols);
          b.softmaxBackward(log, syd, 0, sgy, 0, sgx, 0, rows, cols);
          assertClose(gx, download(sgx), tolerance(dt, 1e-4), what + " backward");
          for (Storage st : new Storage[] {sx, sy, syd, sgy, sgx}) {
            st.release();
          }
        }
      }
    }
  }
}
