package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.backend.GemmOperand;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packed SGEMM's operands read in place: a row-major B on short single-block products ({@code m
 * <= Sgemm.DIRECT_B_ROWS}, {@code k <= Sgemm.DIRECT_B_DEPTH}) feeds the micro-kernel straight from
 * B, and the kernel adds later depth blocks into C itself. The same op(B) stored transposed is
 * always packed, and the arithmetic is the same, so the two layouts must give the same bits; 1, 2
 * and 3 threads too; and both must match a float64 reference (within 1e-4 of the sum of absolute
 * products). Awkward sizes: rows not a multiple of 12, columns not a multiple of a panel (the last
 * panel is packed), padded leading dimensions, batches, alpha and beta.
 */
class SgemmInPlaceTest {
  @ParameterizedTest
  @CsvSource({
    "128, 515, 256, 1, 0.0",
    "97, 300, 200, 1, -0.5",
    "12, 64, 256, 1, 0.0",
    "25, 33, 17, 3, 1.0",
    "128, 96, 257, 1, 0.25", // deeper than DIRECT_B_DEPTH: packed
    "128, 96, 401, 1, 0.25", // two depth blocks: the kernel adds the second into C
    "61, 700, 600, 2, 0.0", // two depth blocks, two column blocks
    "40, 130, 1201, 1, 0.0" // four depth blocks of 301
  })
  void rowMajorBInPlaceMatchesPackedTransposedAndFloat64(
      int m, int n, int k, int batch, float beta) {
    SplittableRandom rnd = new SplittableRandom(m * 7919L + n * 31L + k + batch);
    int lda = k + 3;
    int ldb = n + 1;
    int ldbt = k + 2;
    int ldc = n + 2;
    int sa = m * lda + 1;
    int sb = k * ldb + 3;
    int sbt = n * ldbt + 1;
    int sc = m * ldc + 5;
    float[] a = random(rnd, 2 + batch * sa);
    float[] b = random(rnd, 5 + batch * sb);
    float[] bt = new float[4 + batch * sbt];
    for (int e = 0; e < batch; e++) {
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) {
          bt[4 + e * sbt + j * ldbt + p] = b[5 + e * sb + p * ldb + j];
        }
      }
    }
    float[] c0 = random(rnd, 1 + batch * sc);
    GemmOperand ao = new GemmOperand(null, 2, lda, sa, false);
    GemmOperand bo = new GemmOperand(null, 5, ldb, sb, false);
    GemmOperand bto = new GemmOperand(null, 4, ldbt, sbt, true);
    GemmOperand co = new GemmOperand(null, 1, ldc, sc, false);
    float alpha = 0.75f;
    float[] one = null;
    for (int run = 0; run < 4; run++) {
      int threads = run < 3 ? run + 1 : 2;
      boolean transposed = run == 3;
      float[] c = c0.clone();
      try (CpuThreads pool = new CpuThreads(threads)) {
        Sgemm.gemm(
            pool,
            new SgemmScratch.Pool(),
            batch,
            m,
            n,
            k,
            alpha,
            a,
            ao,
            transposed ? bt : b,
            transposed ? bto : bo,
            beta,
            c,
            co,
            false);
      }
      if (one == null) {
        one = c;
        for (int e = 0; e < batch; e++) {
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double sum = 0;
              double abs = 0;
              for (int p = 0; p < k; p++) {
                double x = a[2 + e * sa + i * lda + p];
                double y = b[5 + e * sb + p * ldb + j];
                sum += x * y;
                abs += Math.abs(x * y);
              }
              int at = 1 + e * sc + i * ldc + j;
              double want = alpha * sum + (beta == 0 ? 0 : beta * (double) c0[at]);
              double scale = Math.abs(alpha) * abs + Math.abs(beta * c0[at]);
              assertTrue(
                  Math.abs(c[at] - want) <= 1e-4 * scale + 1e-30,
                  "[" + e + "](" + i + ", " + j + "): " + c[at] + " vs " + want);
            }
            for (int j = n; j < ldc && 1 + e * sc + i * ldc + j < c.length; j++) {
              assertEquals(c0[1 + e * sc + i * ldc + j], c[1 + e * sc + i * ldc + j], "padding");
            }
          }
        }
      } else {
        for (int i = 0; i < c.length; i++) {
          assertEquals(
              Float.floatToRawIntBits(one[i]),
              Float.floatToRawIntBits(c[i]),
              "element "
                  + i
                  + " on "
                  + threads
                  + " threads"
                  + (transposed ? ", B transposed" : ""));
        }
      }
    }
  }

  /**
   * With beta 0, C is never read (a NaN there disappears), and a zero product times a negative
   * alpha stays -0 in whole tiles, edge tiles and later depth blocks alike, as in the scalar path.
   */
  @Test
  void betaZeroIgnoresCAndKeepsTheSignOfZero() {
    int m = 30;
    int n = 70;
    int k = 300;
    SplittableRandom rnd = new SplittableRandom(11);
    float[] a = random(rnd, m * k);
    for (int i = 0; i < m; i += 3) {
      java.util.Arrays.fill(a, i * k, (i + 1) * k, 0f); // every third row of A is zero
    }
    float[] b = random(rnd, k * n);
    GemmOperand ao = GemmOperand.of(null, 0, k);
    GemmOperand bo = GemmOperand.of(null, 0, n);
    GemmOperand co = GemmOperand.of(null, 0, n);
    float[] packed = new float[m * n];
    java.util.Arrays.fill(packed, Float.NaN);
    float[] scalar = new float[m * n];
    java.util.Arrays.fill(scalar, Float.NaN);
    try (CpuThreads pool = new CpuThreads(2)) {
      Sgemm.gemm(
          pool, new SgemmScratch.Pool(), 1, m, n, k, -1f, a, ao, b, bo, 0f, packed, co, false);
      SgemmScratch s = new SgemmScratch();
      SgemmScalar.gemm(
          s,
          0,
          m,
          n,
          k,
          Sgemm.ceilDiv(k, Sgemm.ceilDiv(k, Sgemm.KC)),
          -1f,
          a,
          ao,
          b,
          bo,
          0f,
          scalar,
          co);
    }
    for (int i = 0; i < m * n; i++) {
      assertTrue(Float.isFinite(packed[i]), "element " + i + " read C");
      if ((i / n) % 3 == 0) {
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(packed[i]), "at " + i);
      }
      assertEquals(
          Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(packed[i]), "at " + i);
    }
  }

  private static float[] random(SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return x;
  }
}
