package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Conformance of softmax / log-softmax forward and backward against double loops: rows of 1 to
 * thousands of columns, offsets, inputs large enough to overflow {@code exp} without the max
 * subtraction, both floating dtypes.
 */
public abstract class SoftmaxConformanceTest extends BackendTestSupport {
  private static final int[][] SHAPES = {{1, 1}, {3, 7}, {13, 97}, {5, 1000}, {300, 257}, {2, 16}};
  private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

  private static double[] referenceForward(boolean log, double[] x, int rows, int cols) {
    double[] y = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < cols; j++) max = Math.max(max, x[r * cols + j]);
      double sum = 0;
      for (int j = 0; j < cols; j++) sum += Math.exp(x[r * cols + j] - max);
      for (int j = 0; j < cols; j++) {
        double d = x[r * cols + j] - max;
        y[r * cols + j] = log ? d - Math.log(sum) : Math.exp(d) / sum;
      }
    }
    return y;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void forwardMatchesReferenceWithoutOverflow(boolean log) {
    SplittableRandom r = rng(log ? 701 : 700);
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int rows = s[0];
        int cols = s[1];
        // Each row sits around a different large offset: exp(x) alone would overflow even a double.
        double[] x = uniform(r, rows * cols, -8, 8);
        for (int i = 0; i < x.length; i++) x[i] += 1000 * ((i / cols) % 3 - 1);
        x = rounded(dt, x);
        Storage xs = upload(dt, concat(2, x));
        Storage ys = filled(dt, rows * cols + 1, Double.NaN);
        backend().softmax(log, xs, 2, rows, cols, ys, 1);
        double[] got = Arrays.copyOfRange(download(ys), 1, rows * cols + 1);
        double[] expected = rounded(dt, referenceForward(log, x, rows, cols));
        String what = (log ? "log_softmax " : "softmax ") + dt + " " + Arrays.toString(s);
        // Probabilities: relative to each value with a floor well below 1/cols; log-probs: ~1.
        assertClose(what, expected, got, elementwiseTol(dt) * 10, log ? 1 : 1e-6);
        if (!log) {
          for (int row = 0; row < rows; row++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += got[row * cols + j];
            assertTrue(
                Math.abs(sum - 1) < accumulatedTol(dt), what + " row " + row + " sum " + sum);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void backwardMatchesReference(boolean log) {
    SplittableRandom r = rng(log ? 711 : 710);
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int rows = s[0];
        int cols = s[1];
        double[] y = rounded(dt, referenceForward(log, uniform(r, rows * cols, -3, 3), rows, cols));
        double[] gy = rounded(dt, uniform(r, rows * cols, -1, 1));
        Storage ys = upload(dt, concat(1, y));
        Storage gys = upload(dt, concat(3, gy));
        Storage gxs = filled(dt, rows * cols, Double.NaN);
        backend().softmaxBackward(log, ys, 1, gys, 3, gxs, 0, rows, cols);
        double[] expected = new double[rows * cols];
        double[] scale = new double[rows * cols];
        for (int row = 0; row < rows; row++) {
          double dot = 0;
          double dotAbs = 0;
          for (int j = 0; j < cols; j++) {
            int i = row * cols + j;
            dot += log ? gy[i] : gy[i] * y[i];
            dotAbs += Math.abs(log ? gy[i] : gy[i] * y[i]);
          }
          for (int j = 0; j < cols; j++) {
            int i = row * cols + j;
            double p = log ? Math.exp(y[i]) : y[i];
            expected[i] = log ? gy[i] - p * dot : y[i] * (gy[i] - dot);
            scale[i] =
                log ? Math.abs(gy[i]) + p * dotAbs : Math.abs(y[i]) * (Math.abs(gy[i]) + dotAbs);
          }
        }
        String what = (log ? "log_softmax' " : "softmax' ") + dt + " " + Arrays.toString(s);
        assertCloseScaled(what, rounded(dt, expected), download(gxs), scale, accumulatedTol(dt));
      }
    }
  }

  private static double[] concat(int pad, double[] tail) {
    double[] out = new double[pad + tail.length];
    Arrays.fill(out, 0, pad, 1e30);
    System.arraycopy(tail, 0, out, pad, tail.length);
    return out;
  }
}
