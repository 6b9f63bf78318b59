package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance of {@link Backend#reduce} over {@code [outer, reduced, inner]} blocks: every op and
 * floating dtype against double loops, on shapes from 1 to long rows past any block size, with
 * offsets; first-index ties for ARGMAX/ARGMIN, NaN propagation for MAX/MIN, empty reductions, and
 * bit-for-bit determinism.
 */
public abstract class ReduceConformanceTest extends BackendTestSupport {
  private static final int[][] SHAPES = {
    {1, 1, 1},
    {1, 97, 1},
    {7, 13, 5},
    {3, 257, 17},
    {1, 7, 2001},
    {5, 1000, 33},
    {2, 40_009, 1},
    {1, 300_007, 1},
    {64, 1, 3},
  };
  private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

  /** Reference: {value, sum of |terms|} per output, in double. */
  private static double[][] reference(
      ReduceOp op, double[] x, int xo, int outer, int reduced, int inner) {
    double[] out = new double[outer * inner];
    double[] scale = new double[outer * inner];
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        double acc =
            switch (op) {
              case SUM, MEAN -> 0;
              case MAX -> Double.NEGATIVE_INFINITY;
              case MIN -> Double.POSITIVE_INFINITY;
              case ARGMAX, ARGMIN -> 0;
            };
        double best = Double.NaN;
        double abs = 0;
        for (int r = 0; r < reduced; r++) {
          double v = x[xo + (o * reduced + r) * inner + j];
          abs += Math.abs(v);
          switch (op) {
            case SUM, MEAN -> acc += v;
            case MAX -> acc = Math.max(acc, v);
            case MIN -> acc = Math.min(acc, v);
            case ARGMAX -> {
              if (r == 0 || v > best) {
                best = v;
                acc = r;
              }
            }
            case ARGMIN -> {
              if (r == 0 || v < best) {
                best = v;
                acc = r;
              }
            }
          }
        }
        boolean mean = op == ReduceOp.MEAN;
        out[o * inner + j] = mean ? acc / reduced : acc;
        scale[o * inner + j] =
            switch (op) {
              case SUM -> abs;
              case MEAN -> abs / reduced;
              default -> Math.abs(acc);
            };
      }
    }
    return new double[][] {out, scale};
  }

  @ParameterizedTest
  @EnumSource(ReduceOp.class)
  void matchesDoubleLoops(ReduceOp op) {
    SplittableRandom r = rng(600 + op.ordinal());
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        int outer = s[0];
        int reduced = s[1];
        int inner = s[2];
        int n = outer * reduced * inner;
        // Integers force ties for the arg ops; a shifted uniform makes sums non-trivial.
        double[] x =
            op.producesIndices()
                ? integers(r, n + 3, -4, 4)
                : rounded(dt, uniform(r, n + 3, -1, 2));
        Storage xs = upload(dt, x);
        DType outType = op.producesIndices() ? DType.INT32 : dt;
        Storage out = filled(outType, outer * inner + 2, -1);
        backend().reduce(op, xs, 3, outer, reduced, inner, out, 2);
        double[][] ref = reference(op, x, 3, outer, reduced, inner);
        double[] got = Arrays.copyOfRange(download(out), 2, outer * inner + 2);
        String what = op + " " + dt + " " + Arrays.toString(s);
        if (op.producesIndices()) {
          assertArrayEquals(ref[0], got, what);
        } else {
          assertCloseScaled(
              what,
              rounded(dt, ref[0]),
              got,
              ref[1],
              op == ReduceOp.MAX || op == ReduceOp.MIN ? 0 : accumulatedTol(dt));
        }
        assertEquals(-1, download(out)[1], what + ": wrote before its offset");
      }
    }
  }

  @Test
  void maxAndMinPropagateNaN() {
    SplittableRandom r = rng(610);
    for (DType dt : FLOATS) {
      int outer = 4;
      int reduced = 33;
      int inner = 3;
      double[] x = uniform(r, outer * reduced * inner, -1, 1);
      x[(1 * reduced + 5) * inner + 2] = Double.NaN; // output (1, 2)
      x[(3 * reduced + 32) * inner] = Double.NaN; // output (3, 0), last row
      Storage xs = upload(dt, x);
      for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
        Storage out = allocate(dt, outer * inner);
        backend().reduce(op, xs, 0, outer, reduced, inner, out, 0);
        double[] got = download(out);
        for (int i = 0; i < got.length; i++) {
          assertEquals(i == 5 || i == 9, Double.isNaN(got[i]), op + " " + dt + " output " + i);
        }
      }
    }
  }

  @Test
  void emptyReductionGivesZeroSumAndNaNMean() {
    for (DType dt : FLOATS) {
      Storage xs = upload(dt, new double[] {1, 2, 3});
      Storage out = filled(dt, 6, 5);
      backend().reduce(ReduceOp.SUM, xs, 0, 2, 0, 3, out, 0);
      assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0}, download(out), "sum " + dt);
      backend().reduce(ReduceOp.MEAN, xs, 0, 2, 0, 3, out, 0);
      for (double v : download(out)) {
        assertTrue(Double.isNaN(v), "mean of nothing " + dt);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = ReduceOp.class,
      names = {"SUM", "MEAN"})
  void sumsAreDeterministic(ReduceOp op) {
    SplittableRandom r = rng(620);
    for (int[] s : new int[][] {{1, 300_007, 1}, {300, 1001, 1}, {13, 2003, 41}}) {
      int n = s[0] * s[1] * s[2];
      Storage xs = upload(DType.FLOAT32, uniform(r, n, -1e3, 1e3));
      Storage a = allocate(DType.FLOAT32, s[0] * s[2]);
      Storage b = allocate(DType.FLOAT32, s[0] * s[2]);
      backend().reduce(op, xs, 0, s[0], s[1], s[2], a, 0);
      for (int rep = 0; rep < 3; rep++) {
        backend().reduce(op, xs, 0, s[0], s[1], s[2], b, 0);
        assertArrayEquals(download(a), download(b), op + " " + Arrays.toString(s));
      }
    }
  }
}
