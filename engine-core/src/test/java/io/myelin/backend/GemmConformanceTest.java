package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.myelin.DType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance of {@link Backend#gemm} against a double-precision triple loop: awkward sizes (1,
 * primes, sizes straddling typical block sizes), all four transpose combinations with padded
 * leading dimensions and offsets, alpha/beta, beta == 0 over NaN, k == 0, and strided batches with
 * broadcast (batch stride 0) operands.
 */
public abstract class GemmConformanceTest extends BackendTestSupport {
  private static final int[][] SHAPES = {
    {1, 1, 1},
    {7, 13, 5},
    {13, 7, 97},
    {16, 16, 16},
    {1, 257, 31},
    {97, 1, 64},
    {37, 67, 300},
    {150, 161, 263},
  };

  /** One operand laid out for the test: storage contents plus the GemmOperand fields. */
  private record Operand(double[] data, int offset, int ld, int batchStride, boolean transposed) {
    double at(int b, int i, int j) {
      int base = offset + b * batchStride;
      return transposed ? data[base + j * ld + i] : data[base + i * ld + j];
    }
  }

  /**
   * A random operand holding a batch of {@code rows x cols} logical matrices (op(X) shape), with
   * leading-dimension padding and an offset; batchStride 0 when {@code shared}.
   */
  private static Operand operand(
      SplittableRandom r,
      DType dt,
      int batch,
      int rows,
      int cols,
      boolean transposed,
      boolean shared) {
    int storedRows = transposed ? cols : rows;
    int storedCols = transposed ? rows : cols;
    int ld = storedCols + r.nextInt(0, 4);
    int offset = r.nextInt(0, 5);
    int matrix = storedRows * ld;
    int batchStride = shared ? 0 : matrix + r.nextInt(0, 3);
    int length = offset + (shared ? matrix : batch * batchStride) + 1;
    return new Operand(rounded(dt, uniform(r, length, -1, 1)), offset, ld, batchStride, transposed);
  }

  private void check(
      DType dt,
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      double beta,
      boolean ta,
      boolean tb,
      boolean shareA,
      boolean shareB,
      double cFill,
      SplittableRandom r) {
    Operand a = operand(r, dt, batch, m, k, ta, shareA);
    Operand b = operand(r, dt, batch, k, n, tb, shareB);
    Operand c = operand(r, dt, batch, m, n, false, false);
    double[] cData = c.data().clone();
    if (Double.isNaN(cFill)) {
      java.util.Arrays.fill(cData, Double.NaN);
    }
    Storage as = upload(dt, a.data());
    Storage bs = upload(dt, b.data());
    Storage cs = upload(dt, cData);
    backend()
        .gemm(
            batch,
            m,
            n,
            k,
            alpha,
            new GemmOperand(as, a.offset(), a.ld(), a.batchStride(), ta),
            new GemmOperand(bs, b.offset(), b.ld(), b.batchStride(), tb),
            beta,
            new GemmOperand(cs, c.offset(), c.ld(), c.batchStride(), false));
    double[] expected = cData.clone();
    double[] scale = new double[cData.length];
    for (int bi = 0; bi < batch; bi++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = 0;
          double abs = 0;
          for (int p = 0; p < k; p++) {
            double t = a.at(bi, i, p) * b.at(bi, p, j);
            sum += t;
            abs += Math.abs(t);
          }
          int at = c.offset() + bi * c.batchStride() + i * c.ld() + j;
          double old = beta == 0 ? 0 : beta * cData[at];
          expected[at] = alpha * sum + old;
          scale[at] = Math.abs(alpha) * abs + Math.abs(old) + 1e-30;
        }
      }
    }
    // Elements outside the C matrices (padding) must be untouched: zero tolerance there.
    String what =
        dt
            + " batch="
            + batch
            + " m="
            + m
            + " n="
            + n
            + " k="
            + k
            + " ta="
            + ta
            + " tb="
            + tb
            + " alpha="
            + alpha
            + " beta="
            + beta
            + " shareA="
            + shareA
            + " shareB="
            + shareB;
    assertCloseScaled(what, rounded(dt, expected), download(cs), scale, accumulatedTol(dt));
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void allTransposesOnAwkwardShapes(DType dt) {
    SplittableRandom r = rng(500);
    for (int[] s : SHAPES) {
      for (int t = 0; t < 4; t++) {
        check(dt, 1, s[0], s[1], s[2], 1, 0, (t & 1) != 0, (t & 2) != 0, false, false, 0, r);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void alphaAndBetaScale(DType dt) {
    SplittableRandom r = rng(501);
    double[][] ab = {{0.5, -1.5}, {2, 1}, {-1, 0.25}};
    for (double[] p : ab) {
      check(dt, 1, 37, 29, 53, p[0], p[1], false, true, false, false, 0, r);
      check(dt, 1, 150, 161, 263, p[0], p[1], true, false, false, false, 0, r);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void betaZeroDoesNotReadNaNInC(DType dt) {
    SplittableRandom r = rng(502);
    for (int[] s : new int[][] {{1, 1, 1}, {7, 13, 5}, {150, 161, 263}}) {
      check(dt, 2, s[0], s[1], s[2], 1.5, 0, false, false, false, false, Double.NaN, r);
    }
  }

  @Test
  void betaZeroWithNaNInCLeavesNoNaN() {
    Storage a = upload(DType.FLOAT32, uniform(rng(503), 6, -1, 1));
    Storage b = upload(DType.FLOAT32, uniform(rng(504), 6, -1, 1));
    Storage c = filled(DType.FLOAT32, 4, Double.NaN);
    backend()
        .gemm(
            1,
            2,
            2,
            3,
            1,
            GemmOperand.of(a, 0, 3),
            GemmOperand.of(b, 0, 2),
            0,
            GemmOperand.of(c, 0, 2));
    for (double v : download(c)) {
      assertFalse(Double.isNaN(v));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void emptyInnerDimensionScalesC(DType dt) {
    SplittableRandom r = rng(505);
    check(dt, 1, 7, 13, 0, 1, 0.5, false, false, false, false, 0, r);
    check(dt, 2, 5, 3, 0, 1, 0, true, true, false, false, Double.NaN, r);
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void stridedBatchesWithBroadcastOperands(DType dt) {
    SplittableRandom r = rng(506);
    int[][] shapes = {{1, 1, 1}, {7, 13, 5}, {33, 65, 17}, {64, 100, 200}};
    for (int[] s : shapes) {
      check(dt, 3, s[0], s[1], s[2], 1, 0, false, false, false, false, 0, r);
      check(dt, 4, s[0], s[1], s[2], 1, 0.5, true, false, true, false, 0, r); // shared A
      check(dt, 4, s[0], s[1], s[2], 2, 0, false, true, false, true, 0, r); // shared B
    }
  }
}
