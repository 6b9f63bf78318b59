package io.myelin.cpu;

import static io.myelin.cpu.VectorLanes.S;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Element-wise unary maps and their backward.
 *
 * <p>float32 runs with unit strides use {@code FloatVector} for the cheap, common ops and for the
 * hot activations (exp, log, tanh, sigmoid, silu: {@link FloatVectorMath}, within 2 ulp, the same
 * bits compiled or not); every other case (strided runs, the remaining functions, float64)
 * evaluates the op's double-precision reference ({@link UnaryOp#apply}) and rounds once. The vector
 * ops and their tails (scalar with the same float arithmetic, or the same vector code under a mask
 * for the transcendental ones) agree bit for bit, so a result never depends on where an element
 * falls in a run, hence not on the thread count.
 */
final class UnaryKernels {

  private UnaryKernels() {}

  /** {@code y = op(x; a, b)} over two views of one shape. */
  static void unary(
      CpuThreads threads,
      UnaryOp op,
      double a,
      double b,
      CpuStorage x,
      Layout xl,
      CpuStorage y,
      Layout yl) {
    Strided it = Strided.of(yl, xl);
    int ys = it.innerStride(0);
    int xs = it.innerStride(1);
    int cost = isVectorised(op) ? (isTranscendental(op) ? 4 : 1) : 16;
    // The cheap ops' scalar loop is forwardScalar, the same float operations as the vector body.
    boolean scalar = ScalarPath.small(yl.size()) && !isTranscendental(op);
    if (y.dtype() == DType.FLOAT32) {
      float[] xv = x.floats();
      float[] yv = y.floats();
      it.parallel(
          threads,
          cost,
          (base, n) -> {
            if (xs == 1 && ys == 1 && isVectorised(op) && scalar) {
              forwardScalar(op, (float) a, xv, base[1], yv, base[0], n);
            } else if (xs == 1 && ys == 1 && isVectorised(op)) {
              forward(op, (float) a, (float) b, xv, base[1], yv, base[0], n);
            } else {
              for (int i = 0; i < n; i++) {
                yv[base[0] + i * ys] = (float) op.apply(xv[base[1] + i * xs], a, b);
              }
            }
          });
    } else {
      double[] xv = x.doubles();
      double[] yv = y.doubles();
      it.parallel(
          threads,
          cost,
          (base, n) -> {
            for (int i = 0; i < n; i++) {
              yv[base[0] + i * ys] = op.apply(xv[base[1] + i * xs], a, b);
            }
          });
    }
  }

  /** The ops with a vector path; the rest go through the double reference. */
  static boolean isVectorised(UnaryOp op) {
    return switch (op) {
      case IDENTITY, NEG, ABS, SQUARE, SQRT, RECIPROCAL, RELU, LEAKY_RELU, ADD_SCALAR, MUL_SCALAR ->
          true;
      default -> isTranscendental(op);
    };
  }

  /** Vectorised ops built on exp/log/tanh: their tails run the vector code under a mask. */
  static boolean isTranscendental(UnaryOp op) {
    return switch (op) {
      case EXP, LOG, TANH, SIGMOID, SILU -> true;
      default -> false;
    };
  }

  private static void forward(
      UnaryOp op, float a, float b, float[] x, int xi, float[] y, int yi, int n) {
    if (isTranscendental(op)) {
      transcendental(op, x, xi, y, yi, n);
      return;
    }
    FloatVector zero = FloatVector.zero(S);
    FloatVector one = FloatVector.broadcast(S, 1f);
    FloatVector av = FloatVector.broadcast(S, a);
    int i = 0;
    for (int end = S.loopBound(n); i < end; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, xi + i);
      // One store per branch: no vector value flows through a merge point, so none is boxed.
      switch (op) {
        case IDENTITY -> v.intoArray(y, yi + i);
        case NEG -> v.neg().intoArray(y, yi + i);
        case ABS -> v.abs().intoArray(y, yi + i);
        case SQUARE -> v.mul(v).intoArray(y, yi + i);
        case SQRT -> v.sqrt().intoArray(y, yi + i);
        case RECIPROCAL -> one.div(v).intoArray(y, yi + i);
        // x > 0 ? x : 0, written as a blend so NaN maps to 0 exactly as the reference does.
        case RELU -> zero.blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yi + i);
        case LEAKY_RELU ->
            v.mul(av).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yi + i);
        case ADD_SCALAR -> v.add(av).intoArray(y, yi + i);
        case MUL_SCALAR -> v.mul(av).intoArray(y, yi + i);
        default -> throw new AssertionError(op);
      }
    }
    forwardScalar(op, a, x, xi + i, y, yi + i, n - i);
  }

  /**
   * exp, log, tanh, sigmoid and silu over a run; the last partial vector goes through the same code
   * under a mask (inactive lanes compute on 0 and are not stored).
   */
  private static void transcendental(UnaryOp op, float[] x, int xi, float[] y, int yi, int n) {
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (int i = 0; i < n; i += S.length()) {
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector v = FloatVector.fromArray(S, x, xi + i, m);
      switch (op) {
        case EXP -> FloatVectorMath.exp(v).intoArray(y, yi + i, m);
        case LOG -> FloatVectorMath.log(v).intoArray(y, yi + i, m);
        case TANH -> FloatVectorMath.tanh(v).intoArray(y, yi + i, m);
        // Stable form: e = exp(-|x|) never overflows; sigmoid = 1/(1+e) for x >= 0, e/(1+e) below.
        case SIGMOID -> {
          FloatVector e = FloatVectorMath.exp(v.abs().neg());
          FloatVector s = one.div(one.add(e));
          s.blend(e.mul(s), v.compare(VectorOperators.LT, 0f)).intoArray(y, yi + i, m);
        }
        case SILU -> {
          FloatVector e = FloatVectorMath.exp(v.abs().neg());
          FloatVector s = one.div(one.add(e));
          v.mul(s.blend(e.mul(s), v.compare(VectorOperators.LT, 0f))).intoArray(y, yi + i, m);
        }
        default -> throw new AssertionError(op);
      }
    }
  }

  /**
   * The vectorised cheap ops in float arithmetic over a run (small calls, and the tails of vector
   * runs): the same float operations as the vector body. One plain loop per op, the switch outside
   * it, so that C2 compiles each loop on its own (and vectorises it) instead of switching per
   * element.
   */
  private static void forwardScalar(
      UnaryOp op, float a, float[] x, int xi, float[] y, int yi, int n) {
    switch (op) {
      case IDENTITY -> {
        for (int i = 0; i < n; i++) y[yi + i] = x[xi + i];
      }
      case NEG -> {
        for (int i = 0; i < n; i++) y[yi + i] = -x[xi + i];
      }
      case ABS -> {
        for (int i = 0; i < n; i++) y[yi + i] = Math.abs(x[xi + i]);
      }
      case SQUARE -> {
        for (int i = 0; i < n; i++) y[yi + i] = x[xi + i] * x[xi + i];
      }
      case SQRT -> {
        for (int i = 0; i < n; i++) y[yi + i] = (float) Math.sqrt(x[xi + i]);
      }
      case RECIPROCAL -> {
        for (int i = 0; i < n; i++) y[yi + i] = 1f / x[xi + i];
      }
      case RELU -> {
        // v > 0 ? v : +0 without a branch (a 614 x 20 ReLU mispredicted half of its elements:
        // 19 -> 11 us compiled, bench/RESULTS.md round 3): v > 0 exactly when its bits, as an
        // int, lie in [1, 0x7f800000] (positive subnormals to +inf; not NaN, -0 or negatives).
        // drop is -1 outside that range, and the bits & ~drop are then +0.
        for (int i = 0; i < n; i++) {
          int b = Float.floatToRawIntBits(x[xi + i]);
          int drop = ((b - 1) | (0x7f800000 - b)) >> 31;
          y[yi + i] = Float.intBitsToFloat(b & ~drop);
        }
      }
      case LEAKY_RELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[xi + i];
          y[yi + i] = v > 0 ? v : v * a;
        }
      }
      case ADD_SCALAR -> {
        for (int i = 0; i < n; i++) y[yi + i] = x[xi + i] + a;
      }
      case MUL_SCALAR -> {
        for (int i = 0; i < n; i++) y[yi + i] = x[xi + i] * a;
      }
      default -> throw new AssertionError(op);
    }
  }

  /** {@code gx = gy * op'(x, y)} over {@code n} contiguous elements. */
  static void backward(
      CpuThreads threads,
      UnaryOp op,
      double a,
      double b,
      CpuStorage x,
      int xo,
      CpuStorage y,
      int yo,
      CpuStorage gy,
      int gyo,
      CpuStorage gx,
      int gxo,
      int n) {
    int chunk = 4096;
    int pieces = (n + chunk - 1) / chunk;
    boolean scalar = ScalarPath.small(n);
    // Work per element for CpuThreads' split decision, as in the forward: a select for ReLU, a
    // few multiplies for the from-output ops, the double reference's switch for the rest. (It was
    // 8 for all of them, which split a 614 x 20 ReLU backward over two threads: 2.5x slower than
    // one, bench/RESULTS.md round 3.)
    long cost =
        switch (op) {
          case RELU, LEAKY_RELU -> 1;
          case SIGMOID, TANH, EXP -> 2;
          default -> 16;
        };
    if (gx.dtype() == DType.FLOAT32) {
      float[] xv = x.floats();
      float[] yv = y.floats();
      float[] gyv = gy.floats();
      float[] gxv = gx.floats();
      threads.parallelFor(
          pieces,
          chunk * cost,
          (p0, p1) -> {
            int from = p0 * chunk;
            int to = Math.min(n, p1 * chunk);
            if (op == UnaryOp.RELU || op == UnaryOp.LEAKY_RELU) {
              reluBackward(
                  (float) (op == UnaryOp.RELU ? 0 : a),
                  xv,
                  xo + from,
                  gyv,
                  gyo + from,
                  gxv,
                  gxo + from,
                  to - from,
                  scalar);
            } else if (op == UnaryOp.SIGMOID || op == UnaryOp.TANH || op == UnaryOp.EXP) {
              fromOutputBackward(
                  op, yv, yo + from, gyv, gyo + from, gxv, gxo + from, to - from, scalar);
            } else {
              for (int i = from; i < to; i++) {
                gxv[gxo + i] = (float) (gyv[gyo + i] * op.derivative(xv[xo + i], yv[yo + i], a, b));
              }
            }
          });
    } else {
      double[] xv = x.doubles();
      double[] yv = y.doubles();
      double[] gyv = gy.doubles();
      double[] gxv = gx.doubles();
      threads.parallelFor(
          pieces,
          chunk * 16L,
          (p0, p1) -> {
            for (int i = p0 * chunk, to = Math.min(n, p1 * chunk); i < to; i++) {
              gxv[gxo + i] = gyv[gyo + i] * op.derivative(xv[xo + i], yv[yo + i], a, b);
            }
          });
    }
  }

  /**
   * Backward of the ops whose derivative is a function of the output: sigmoid {@code y (1 - y)},
   * tanh {@code 1 - y^2} (one fused multiply-add: no cancellation near |y| = 1), exp {@code y}.
   */
  private static void fromOutputBackward(
      UnaryOp op,
      float[] y,
      int yi,
      float[] gy,
      int gyi,
      float[] gx,
      int gxi,
      int n,
      boolean scalar) {
    int i = 0;
    for (int end = scalar ? 0 : S.loopBound(n); i < end; i += S.length()) {
      FloatVector one = FloatVector.broadcast(S, 1f);
      FloatVector g = FloatVector.fromArray(S, gy, gyi + i);
      FloatVector v = FloatVector.fromArray(S, y, yi + i);
      switch (op) {
        case SIGMOID -> g.mul(v.mul(one.sub(v))).intoArray(gx, gxi + i);
        case TANH -> g.mul(v.neg().fma(v, one)).intoArray(gx, gxi + i);
        case EXP -> g.mul(v).intoArray(gx, gxi + i);
        default -> throw new AssertionError(op);
      }
    }
    // One loop per op (the switch outside): C2 compiles and vectorises each on its own.
    switch (op) {
      case SIGMOID -> {
        for (; i < n; i++) {
          float v = y[yi + i];
          gx[gxi + i] = gy[gyi + i] * (v * (1f - v));
        }
      }
      case TANH -> {
        for (; i < n; i++) {
          float v = y[yi + i];
          gx[gxi + i] = gy[gyi + i] * Math.fma(-v, v, 1f);
        }
      }
      case EXP -> {
        for (; i < n; i++) gx[gxi + i] = gy[gyi + i] * y[yi + i];
      }
      default -> throw new AssertionError(op);
    }
  }

  /** gx = x > 0 ? gy : slope * gy (relu has slope 0), the hottest backward in training. */
  private static void reluBackward(
      float slope,
      float[] x,
      int xi,
      float[] gy,
      int gyi,
      float[] gx,
      int gxi,
      int n,
      boolean scalar) {
    int i = 0;
    for (int end = scalar ? 0 : S.loopBound(n); i < end; i += S.length()) {
      FloatVector g = FloatVector.fromArray(S, gy, gyi + i);
      FloatVector v = FloatVector.fromArray(S, x, xi + i);
      g.mul(slope).blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(gx, gxi + i);
    }
    for (; i < n; i++) {
      gx[gxi + i] = x[xi + i] > 0 ? gy[gyi + i] : gy[gyi + i] * slope;
    }
  }
}
