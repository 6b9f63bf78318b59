package io.myelin.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One float32 row of {@link SoftmaxKernels}, vectorised: the last partial vector of a row runs the
 * same code under a mask, sums go into one vector of partial sums reduced once, so a row's result
 * depends on its values and length only.
 */
final class SoftmaxF32 {
  private static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorWidth.SHAPE);

  private SoftmaxF32() {}

  /** softmax: {@code y = exp(x - max) / sum}; log-softmax: {@code y = x - max - log(sum)}. */
  static void forwardRow(boolean log, float[] x, int xi, float[] y, int yi, int cols) {
    FloatVector lowest = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    FloatVector mx = lowest;
    for (int j = 0; j < cols; j += S.length()) {
      VectorMask<Float> m = S.indexInRange(j, cols);
      // lanewise MAX propagates NaN, so a NaN anywhere makes the whole row NaN.
      mx =
          mx.lanewise(VectorOperators.MAX, lowest.blend(FloatVector.fromArray(S, x, xi + j, m), m));
    }
    float max = mx.reduceLanes(VectorOperators.MAX);
    FloatVector sum = FloatVector.zero(S);
    for (int j = 0; j < cols; j += S.length()) {
      VectorMask<Float> m = S.indexInRange(j, cols);
      FloatVector e = FloatVectorMath.exp(FloatVector.fromArray(S, x, xi + j, m).sub(max));
      sum = sum.add(e, m);
      if (!log) {
        e.intoArray(y, yi + j, m);
      }
    }
    float total = FloatVectorMath.sum(sum);
    if (log) {
      float logSum = (float) Math.log(total);
      for (int j = 0; j < cols; j += S.length()) {
        VectorMask<Float> m = S.indexInRange(j, cols);
        // (x - max) - log(sum), in that order as the float64 path.
        FloatVector.fromArray(S, x, xi + j, m).sub(max).sub(logSum).intoArray(y, yi + j, m);
      }
    } else {
      float scale = 1f / total;
      for (int j = 0; j < cols; j += S.length()) {
        VectorMask<Float> m = S.indexInRange(j, cols);
        FloatVector.fromArray(S, y, yi + j, m).mul(scale).intoArray(y, yi + j, m);
      }
    }
  }

  /** softmax: {@code gx = y (gy - sum(gy y))}; log-softmax: {@code gx = gy - exp(y) sum(gy)}. */
  static void backwardRow(
      boolean log, float[] y, int yi, float[] gy, int gyi, float[] gx, int gxi, int cols) {
    float dot = log ? sum(gy, gyi, cols) : dot(y, yi, gy, gyi, cols);
    for (int j = 0; j < cols; j += S.length()) {
      VectorMask<Float> m = S.indexInRange(j, cols);
      FloatVector g = FloatVector.fromArray(S, gy, gyi + j, m);
      FloatVector v = FloatVector.fromArray(S, y, yi + j, m);
      if (log) {
        g.sub(FloatVectorMath.exp(v).mul(dot)).intoArray(gx, gxi + j, m);
      } else {
        v.mul(g.sub(dot)).intoArray(gx, gxi + j, m);
      }
    }
  }

  private static float sum(float[] x, int xi, int cols) {
    FloatVector acc = FloatVector.zero(S);
    for (int j = 0; j < cols; j += S.length()) {
      acc = acc.add(FloatVector.fromArray(S, x, xi + j, S.indexInRange(j, cols)));
    }
    return FloatVectorMath.sum(acc);
  }

  private static float dot(float[] x, int xi, float[] y, int yi, int cols) {
    FloatVector acc = FloatVector.zero(S);
    for (int j = 0; j < cols; j += S.length()) {
      VectorMask<Float> m = S.indexInRange(j, cols);
      acc = FloatVector.fromArray(S, x, xi + j, m).fma(FloatVector.fromArray(S, y, yi + j, m), acc);
    }
    return FloatVectorMath.sum(acc);
  }
}
