package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import org.junit.jupiter.api.Test;

/** Element-wise kernels on the GPU against the op enums' scalar references. */
class CudaElementwiseGpuTest extends CudaGpuTest {

  /** Inputs inside each op's domain, away from kinks where float32 rounding flips a branch. */
  private double[] inputsFor(UnaryOp op, int n) {
    return switch (op) {
      case LOG, SQRT, RECIPROCAL, POW_SCALAR -> uniform(n, 0.1, 4);
      default -> uniform(n, -4, 4);
    };
  }

  private static double paramA(UnaryOp op) {
    return switch (op) {
      case LEAKY_RELU -> 0.01;
      case ELU -> 1.0;
      case CLAMP -> -0.5;
      case ADD_SCALAR -> 0.3;
      case MUL_SCALAR -> -1.7;
      case POW_SCALAR -> 2.5;
      default -> 0;
    };
  }

  @Test
  void unaryForwardOnTransposedViewsMatchesReference() {
    int rows = 37;
    int cols = 29;
    for (DType dt : FLOATS) {
      for (UnaryOp op : UnaryOp.values()) {
        double a = paramA(op);
        double bb = op == UnaryOp.CLAMP ? 0.7 : 0;
        double[] x = rounded(dt, inputsFor(op, rows * cols));
        Storage sx = upload(dt, x);
        Storage sy = b.allocate(dt, rows * cols);
        // x read through its transpose: a [cols, rows] view with strides (1, cols).
        Layout xt = new Layout(new int[] {cols, rows}, new int[] {1, cols}, 0);
        b.unary(op, a, bb, sx, xt, sy, contiguous(cols, rows));
        double[] expected = new double[rows * cols];
        for (int i = 0; i < cols; i++) {
          for (int j = 0; j < rows; j++) {
            expected[i * rows + j] = op.apply(x[j * cols + i], a, bb);
          }
        }
        assertClose(rounded(dt, expected), download(sy), tolerance(dt, 2e-6), op + " " + dt);
        sx.release();
        sy.release();
      }
    }
  }

  @Test
  void unaryBackwardMatchesReferenceDerivative() {
    int n = 1013;
    for (DType dt : FLOATS) {
      for (UnaryOp op : UnaryOp.values()) {
        double a = paramA(op);
        double bb = op == UnaryOp.CLAMP ? 0.7 : 0;
        double[] x = rounded(dt, inputsFor(op, n));
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
          y[i] = op.apply(x[i], a, bb);
        }
        y = rounded(dt, y);
        double[] gy = rounded(dt, uniform(n, -1, 1));
        Storage sx = upload(dt, x);
        Storage sy = upload(dt, y);
        Storage sgy = upload(dt, gy);
        Storage sgx = b.allocate(dt, n + 3);
        b.unaryBackward(op, a, bb, sx, 0, sy, 0, sgy, 0, sgx, 3, n);
        double[] got = download(sgx);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
          expected[i] = gy[i] * op.derivative(x[i], y[i], a, bb);
        }
        assertClose(
            expected,
            java.util.Arrays.copyOfRange(got, 3, n + 3),
            tolerance(dt, 1e-5),
            op + " backward " + dt);
        for (Storage s : new Storage[] {sx, sy, sgy, sgx}) {
          s.release();
        }
      }
    }
  }

  @Test
  void binaryBroadcastsByZeroStrides() {
    int rows = 33;
    int cols = 65;
    for (DType dt : FLOATS) {
      for (BinaryOp op : BinaryOp.values()) {
        double[] x =
            rounded(
                dt,
                op == BinaryOp.POW ? uniform(rows * cols, 0.1, 3) : uniform(rows * cols, -3, 3));
        double[] y = rounded(dt, uniform(cols, -3, 3));
        if (op.isComparison()) {
          System.arraycopy(x, 0, y, 0, 5); // some equal pairs
        }
        Storage sx = upload(dt, x);
        Storage sy = upload(dt, y);
        Storage so = b.allocate(dt, rows * cols);
        b.binary(
            op,
            sx,
            contiguous(rows, cols),
            sy,
            new Layout(new int[] {rows, cols}, new int[] {0, 1}, 0),
            so,
            contiguous(rows, cols));
        double[] expected = new double[rows * cols];
        for (int i = 0; i < rows * cols; i++) {
          expected[i] = op.apply(x[i], y[i % cols]);
        }
        assertClose(rounded(dt, expected), download(so), tolerance(dt, 2e-6), op + " " + dt);
        sx.release();
        sy.release();
        so.release();
      }
    }
  }

  @Test
  void maximumAndMinimumPropagateNaN() {
    Storage x = upload(DType.FLOAT32, new double[] {Double.NaN, 1, -0.0});
    Storage y = upload(DType.FLOAT32, new double[] {1, Double.NaN, 0.0});
    Storage o = b.allocate(DType.FLOAT32, 3);
    b.binary(BinaryOp.MAXIMUM, x, contiguous(3), y, contiguous(3), o, contiguous(3));
    double[] got = download(o);
    assertEquals(Double.NaN, got[0]);
    assertEquals(Double.NaN, got[1]);
    assertEquals(0.0, got[2]);
    assertEquals(false, 1 / got[2] < 0, "max(-0, +0) is +0");
  }

  @Test
  void whereSelectsWithBroadcastCondition() {
    for (DType dt : FLOATS) {
      int rows = 9;
      int cols = 31;
      double[] cond = new double[cols];
      for (int j = 0; j < cols; j++) {
        cond[j] = j % 3 == 0 ? 0 : (j % 3 == 1 ? 1 : Double.NaN);
      }
      double[] x = rounded(dt, uniform(rows * cols, -1, 1));
      double[] y = rounded(dt, uniform(rows * cols, -1, 1));
      Storage sc = upload(dt, cond);
      Storage sx = upload(dt, x);
      Storage sy = upload(dt, y);
      Storage so = b.allocate(dt, rows * cols);
      b.where(
          sc,
          new Layout(new int[] {rows, cols}, new int[] {0, 1}, 0),
          sx,
          contiguous(rows, cols),
          sy,
          contiguous(rows, cols),
          so,
          contiguous(rows, cols));
      double[] expected = new double[rows * cols];
      for (int i = 0; i < rows * cols; i++) {
        expected[i] = cond[i % cols] != 0 ? x[i] : y[i];
      }
      assertClose(expected, download(so), 0, "where " + dt);
    }
  }

  @Test
  void fillCopyAndCastFollowJavaConversions() {
    Storage f = upload(DType.FLOAT32, new double[] {2.9, -2.9, Double.NaN, 1e10, -1e10, 0.5});
    Storage i = b.allocate(DType.INT32, 6);
    b.copy(f, contiguous(6), i, contiguous(6));
    double[] got = download(i);
    double[] expected = {2, -2, 0, Integer.MAX_VALUE, Integer.MIN_VALUE, 0};
    assertClose(expected, got, 0, "float -> int cast");

    Storage d = b.allocate(DType.FLOAT64, 12);
    b.fill(d, contiguous(12), 0.1);
    b.fill(d, new Layout(new int[] {3}, new int[] {4}, 1), -7); // a strided column
    double[] filled = download(d);
    for (int k = 0; k < 12; k++) {
      assertEquals(k % 4 == 1 ? -7 : 0.1, filled[k], "fill at " + k);
    }
    Storage ints = b.allocate(DType.INT32, 4);
    b.fill(ints, contiguous(4), 3.99);
    assertClose(new double[] {3, 3, 3, 3}, download(ints), 0, "int fill truncates");

    // Transpose copy [5, 7] -> [7, 5] with a dtype change.
    double[] src = uniform(35, -5, 5);
    Storage s64 = upload(DType.FLOAT64, src);
    Storage t32 = b.allocate(DType.FLOAT32, 35);
    b.copy(s64, new Layout(new int[] {7, 5}, new int[] {1, 7}, 0), t32, contiguous(7, 5));
    double[] expectedT = new double[35];
    for (int r = 0; r < 7; r++) {
      for (int c = 0; c < 5; c++) {
        expectedT[r * 5 + c] = (float) src[c * 7 + r];
      }
    }
    assertClose(expectedT, download(t32), 0, "transposing cast copy");
  }

  @Test
  void largeHostCopiesCrossStagingChunks() {
    int n = PinnedStaging.CHUNK_BYTES / 4 * 5 + 123; // five chunks and a bit: wraps the ring
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i * 0.5f;
    }
    Storage s = b.allocate(DType.FLOAT32, n + 10);
    b.copyFromHost(x, 0, s, 10, n);
    float[] back = new float[n];
    b.copyToHost(s, 10, back, 0, n);
    assertEquals(java.util.Arrays.hashCode(x), java.util.Arrays.hashCode(back));
    s.release();
  }
}
