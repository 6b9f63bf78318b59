package io.myelin.cpu;

import static io.myelin.cpu.VectorLanes.S;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.BinaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Element-wise maps of two or three views with broadcasting by 0 strides: {@code binary} and {@code
 * where}.
 *
 * <p>float32 runs whose output is dense and whose inputs are each dense or a broadcast scalar
 * (stride 1 or 0: plain tensors, bias rows, scalars) are vectorised for the arithmetic ops.
 * Everything else evaluates the double reference {@link BinaryOp#apply} and rounds once; for +, -,
 * *, / and max/min that equals the float operation exactly (a double holds the exact float result
 * before rounding), so both paths give the same bits.
 */
final class BinaryKernels {

  private BinaryKernels() {}

  /** {@code out = op(x, y)}. */
  static void binary(
      CpuThreads threads,
      BinaryOp op,
      CpuStorage x,
      Layout xl,
      CpuStorage y,
      Layout yl,
      CpuStorage out,
      Layout ol) {
    if (out.dtype() == DType.FLOAT32
        && isVectorised(op)
        && rowBroadcast(threads, op, x, xl, y, yl, out, ol)) {
      return;
    }
    Strided it = Strided.of(ol, xl, yl);
    int os = it.innerStride(0);
    int xs = it.innerStride(1);
    int ys = it.innerStride(2);
    int cost = op == BinaryOp.POW ? 16 : 1;
    if (out.dtype() == DType.FLOAT32) {
      float[] o = out.floats();
      float[] xv = x.floats();
      float[] yv = y.floats();
      boolean vector = os == 1 && xs <= 1 && ys <= 1 && isVectorised(op);
      boolean scalar = ScalarPath.small(ol.size());
      it.parallel(
          threads,
          cost,
          (base, n) -> {
            if (vector) {
              vectorRun(op, xv, base[1], xs == 0, yv, base[2], ys == 0, o, base[0], n, scalar);
            } else {
              for (int i = 0; i < n; i++) {
                o[base[0] + i * os] = (float) op.apply(xv[base[1] + i * xs], yv[base[2] + i * ys]);
              }
            }
          });
    } else {
      double[] o = out.doubles();
      double[] xv = x.doubles();
      double[] yv = y.doubles();
      it.parallel(
          threads,
          cost,
          (base, n) -> {
            for (int i = 0; i < n; i++) {
              o[base[0] + i * os] = op.apply(xv[base[1] + i * xs], yv[base[2] + i * ys]);
            }
          });
    }
  }

  /**
   * A dense [rows, cols] map against one row broadcast over the rows (a bias: strides [0, 1]), or
   * the other way round: row by row without the strided iteration's per-run bookkeeping, which
   * costs more than the arithmetic for short rows. False when the layouts are not of that form.
   */
  private static boolean rowBroadcast(
      CpuThreads threads,
      BinaryOp op,
      CpuStorage x,
      Layout xl,
      CpuStorage y,
      Layout yl,
      CpuStorage out,
      Layout ol) {
    if (ol.rank() != 2 || !ol.isContiguous()) {
      return false;
    }
    boolean yRow = xl.isContiguous() && isRow(yl);
    boolean xRow = !yRow && yl.isContiguous() && isRow(xl);
    if (!yRow && !xRow) {
      return false;
    }
    int rows = ol.shape()[0];
    int cols = ol.shape()[1];
    float[] o = out.floats();
    boolean scalar = ScalarPath.small((long) rows * cols);
    // The vector path's broadcast row, copied once with a vector of zeros behind it, so that the
    // masked tail of every row reads inside an array (the scalar path reads the row in place).
    boolean xPad = xRow && !scalar;
    boolean yPad = yRow && !scalar;
    float[] xv = xPad ? padded(x.floats(), xl.offset(), cols) : x.floats();
    float[] yv = yPad ? padded(y.floats(), yl.offset(), cols) : y.floats();
    int xo = xPad ? 0 : xl.offset();
    int yo = yPad ? 0 : yl.offset();
    int oo = ol.offset();
    if (scalar) {
      threads.parallelFor(
          rows,
          cols,
          (r0, r1) -> rowBroadcastScalar(op, xv, xo, xRow, yv, yo, yRow, o, oo, r0, r1, cols));
      return true;
    }
    threads.parallelFor(
        rows,
        cols,
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            vectorRun(
                op,
                xv,
                xRow ? xo : xo + r * cols,
                false,
                yv,
                yRow ? yo : yo + r * cols,
                false,
                o,
                oo + r * cols,
                cols,
                scalar);
          }
        });
    return true;
  }

  /**
   * Rows {@code [r0, r1)} of a row broadcast on the scalar path: one loop nest per op, the switch
   * outside it, the same float operations as {@link #scalarRun}. (Through {@code vectorRun} per
   * row, a 614 x 20 bias add cost 150-200 us for the first few hundred steps of the Pima MLP, in C1
   * code calling two methods per row of 20, against 10 us compiled; bench/RESULTS.md round 3.)
   */
  private static void rowBroadcastScalar(
      BinaryOp op,
      float[] x,
      int xo,
      boolean xRow,
      float[] y,
      int yo,
      boolean yRow,
      float[] o,
      int oo,
      int r0,
      int r1,
      int cols) {
    int xs = xRow ? 0 : cols; // stride between the rows of x: 0 for the broadcast row
    int ys = yRow ? 0 : cols;
    switch (op) {
      case ADD -> {
        for (int r = r0; r < r1; r++) {
          int xi = xo + r * xs;
          int yi = yo + r * ys;
          int oi = oo + r * cols;
          for (int j = 0; j < cols; j++) o[oi + j] = x[xi + j] + y[yi + j];
        }
      }
      case SUB -> {
        for (int r = r0; r < r1; r++) {
          int xi = xo + r * xs;
          int yi = yo + r * ys;
          int oi = oo + r * cols;
          for (int j = 0; j < cols; j++) o[oi + j] = x[xi + j] - y[yi + j];
        }
      }
      case MUL -> {
        for (int r = r0; r < r1; r++) {
          int xi = xo + r * xs;
          int yi = yo + r * ys;
          int oi = oo + r * cols;
          for (int j = 0; j < cols; j++) o[oi + j] = x[xi + j] * y[yi + j];
        }
      }
      case DIV -> {
        for (int r = r0; r < r1; r++) {
          int xi = xo + r * xs;
          int yi = yo + r * ys;
          int oi = oo + r * cols;
          for (int j = 0; j < cols; j++) o[oi + j] = x[xi + j] / y[yi + j];
        }
      }
      default -> {
        for (int r = r0; r < r1; r++) {
          for (int j = 0; j < cols; j++) {
            o[oo + r * cols + j] = (float) op.apply(x[xo + r * xs + j], y[yo + r * ys + j]);
          }
        }
      }
    }
  }

  private static float[] padded(float[] a, int offset, int n) {
    float[] p = new float[n + S.length()];
    System.arraycopy(a, offset, p, 0, n);
    return p;
  }

  /** A [rows, cols] view of one contiguous row repeated: strides [0, 1]. */
  private static boolean isRow(Layout l) {
    return l.rank() == 2 && l.strides()[0] == 0 && l.strides()[1] == 1;
  }

  static boolean isVectorised(BinaryOp op) {
    return switch (op) {
      case ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM -> true;
      default -> false;
    };
  }

  /**
   * One dense output run; each input is dense or (flag set) one element broadcast. The broadcast
   * vector is built once, outside the loop. {@code scalar}: the whole run in the scalar loop (same
   * bits; {@link ScalarPath}).
   */
  private static void vectorRun(
      BinaryOp op,
      float[] x,
      int xi,
      boolean xScalar,
      float[] y,
      int yi,
      boolean yScalar,
      float[] o,
      int oi,
      int n,
      boolean scalar) {
    if (scalar) {
      scalarRun(op, x, xi, xScalar, y, yi, yScalar, o, oi, n);
      return;
    }
    FloatVector xb = FloatVector.broadcast(S, xScalar ? x[xi] : 0f);
    FloatVector yb = FloatVector.broadcast(S, yScalar ? y[yi] : 0f);
    int i = 0;
    for (int end = S.loopBound(n); i < end; i += S.length()) {
      FloatVector a = xScalar ? xb : FloatVector.fromArray(S, x, xi + i);
      FloatVector b = yScalar ? yb : FloatVector.fromArray(S, y, yi + i);
      apply(op, a, b).intoArray(o, oi + i);
    }
    if (i < n
        && (xScalar || xi + i + S.length() <= x.length)
        && (yScalar || yi + i + S.length() <= y.length)
        && oi + i + S.length() <= o.length) {
      // The tail as one masked vector (a bias row of 20 is one vector and a tail of 4): the same
      // float operations, so the same bits as the scalar reference, without a double per element.
      // Only where a whole vector fits in each array: a masked access that crosses an array's end
      // takes the Vector API's slow per-lane check.
      var m = S.indexInRange(i, n);
      FloatVector a = xScalar ? xb : FloatVector.fromArray(S, x, xi + i, m);
      FloatVector b = yScalar ? yb : FloatVector.fromArray(S, y, yi + i, m);
      apply(op, a, b).intoArray(o, oi + i, m);
      return;
    }
    for (; i < n; i++) {
      o[oi + i] = (float) op.apply(x[xScalar ? xi : xi + i], y[yScalar ? yi : yi + i]);
    }
  }

  /** {@link #vectorRun}'s run in float arithmetic (what the double reference rounds to). */
  private static void scalarRun(
      BinaryOp op,
      float[] x,
      int xi,
      boolean xScalar,
      float[] y,
      int yi,
      boolean yScalar,
      float[] o,
      int oi,
      int n) {
    // One plain unit-stride loop per op and broadcast case (the broadcast element read once):
    // C2 vectorises these, where an index times a 0-or-1 stride or a switch per element it does
    // not.
    if (!xScalar && !yScalar) {
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i] + y[yi + i];
        }
        case SUB -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i] - y[yi + i];
        }
        case MUL -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i] * y[yi + i];
        }
        case DIV -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i] / y[yi + i];
        }
        default -> {
          for (int i = 0; i < n; i++) o[oi + i] = (float) op.apply(x[xi + i], y[yi + i]);
        }
      }
    } else if (yScalar) {
      float b = y[yi];
      int xs = xScalar ? 0 : 1;
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i * xs] + b;
        }
        case SUB -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i * xs] - b;
        }
        case MUL -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i * xs] * b;
        }
        case DIV -> {
          for (int i = 0; i < n; i++) o[oi + i] = x[xi + i * xs] / b;
        }
        default -> {
          for (int i = 0; i < n; i++) o[oi + i] = (float) op.apply(x[xi + i * xs], b);
        }
      }
    } else {
      float a = x[xi];
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) o[oi + i] = a + y[yi + i];
        }
        case SUB -> {
          for (int i = 0; i < n; i++) o[oi + i] = a - y[yi + i];
        }
        case MUL -> {
          for (int i = 0; i < n; i++) o[oi + i] = a * y[yi + i];
        }
        case DIV -> {
          for (int i = 0; i < n; i++) o[oi + i] = a / y[yi + i];
        }
        default -> {
          for (int i = 0; i < n; i++) o[oi + i] = (float) op.apply(a, y[yi + i]);
        }
      }
    }
  }

  private static FloatVector apply(BinaryOp op, FloatVector a, FloatVector b) {
    return switch (op) {
      case ADD -> a.add(b);
      case SUB -> a.sub(b);
      case MUL -> a.mul(b);
      case DIV -> a.div(b);
      // Lanewise MAX/MIN follow Math.max/min: NaN propagates, as the reference.
      case MAXIMUM -> a.lanewise(VectorOperators.MAX, b);
      case MINIMUM -> a.lanewise(VectorOperators.MIN, b);
      default -> throw new AssertionError(op);
    };
  }

  /** {@code out = cond != 0 ? x : y}; a NaN condition counts as true (it is not 0). */
  static void where(
      CpuThreads threads,
      CpuStorage cond,
      Layout cl,
      CpuStorage x,
      Layout xl,
      CpuStorage y,
      Layout yl,
      CpuStorage out,
      Layout ol) {
    Strided it = Strided.of(ol, cl, xl, yl);
    int os = it.innerStride(0);
    int cs = it.innerStride(1);
    int xs = it.innerStride(2);
    int ys = it.innerStride(3);
    if (out.dtype() == DType.FLOAT32) {
      float[] o = out.floats();
      float[] c = cond.floats();
      float[] xv = x.floats();
      float[] yv = y.floats();
      // Small calls take the scalar loop below only, which reads no Vector API state (same bits).
      boolean dense = os == 1 && cs == 1 && xs == 1 && ys == 1 && !ScalarPath.small(ol.size());
      it.parallel(
          threads,
          1,
          (base, n) -> {
            int i = 0;
            if (dense) {
              for (int end = S.loopBound(n); i < end; i += S.length()) {
                FloatVector cv = FloatVector.fromArray(S, c, base[1] + i);
                FloatVector yv0 = FloatVector.fromArray(S, yv, base[3] + i);
                FloatVector xv0 = FloatVector.fromArray(S, xv, base[2] + i);
                // EQ is false for NaN, so "not equal to 0" matches the scalar cond != 0.
                yv0.blend(xv0, cv.compare(VectorOperators.EQ, 0f).not()).intoArray(o, base[0] + i);
              }
            }
            for (; i < n; i++) {
              o[base[0] + i * os] =
                  c[base[1] + i * cs] != 0 ? xv[base[2] + i * xs] : yv[base[3] + i * ys];
            }
          });
    } else {
      double[] o = out.doubles();
      double[] c = cond.doubles();
      double[] xv = x.doubles();
      double[] yv = y.doubles();
      it.parallel(
          threads,
          1,
          (base, n) -> {
            for (int i = 0; i < n; i++) {
              o[base[0] + i * os] =
                  c[base[1] + i * cs] != 0 ? xv[base[2] + i * xs] : yv[base[3] + i * ys];
            }
          });
    }
  }
}
