package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.backend.GemmOperand;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packed SGEMM on products wider than one column block ({@code n > Sgemm.NC}): on one thread a
 * tile spans several column blocks and reuses its packed A micro-panels across them; on more
 * threads the column strips are narrower and pack A themselves. Both must give the same bits, and
 * both must match a float64 reference (relative error per element within 1e-4 of the sum of
 * absolute products). Awkward sizes: rows not a multiple of the micro-kernel's, columns not a
 * multiple of a panel, depths over one block, padded leading dimensions, alpha and beta.
 */
class SgemmColumnBlocksTest {
  @ParameterizedTest
  @CsvSource({
    "29, 1100, 600, false, false",
    "29, 1100, 600, true, true",
    "13, 1037, 257, false, true",
    "40, 777, 130, true, false",
    "1, 1030, 300, false, false",
    // more rows than the packed-A bound holds at this depth: repacked per column block
    "4200, 530, 256, false, true",
    // tall enough for a row split on 2 threads (512 rows each), columns again on 3
    "600, 700, 300, false, false",
    "520, 1000, 257, true, true"
  })
  void sameBitsOnAnyThreadCountAndCloseToFloat64(int m, int n, int k, boolean ta, boolean tb) {
    SplittableRandom rnd = new SplittableRandom(m * 7919L + n * 31L + k);
    int lda = (ta ? m : k) + 3;
    int ldb = (tb ? k : n) + 1;
    int ldc = n + 2;
    float[] a = random(rnd, 2 + (ta ? k : m) * lda);
    float[] b = random(rnd, 5 + (tb ? n : k) * ldb);
    float[] c0 = random(rnd, 1 + m * ldc);
    GemmOperand ao = new GemmOperand(null, 2, lda, 0, ta);
    GemmOperand bo = new GemmOperand(null, 5, ldb, 0, tb);
    GemmOperand co = new GemmOperand(null, 1, ldc, 0, false);
    float alpha = 0.75f;
    float beta = -0.5f;
    float[] one = null;
    for (int threads = 1; threads <= 3; threads++) {
      float[] c = c0.clone();
      try (CpuThreads pool = new CpuThreads(threads)) {
        Sgemm.gemm(
            pool, new SgemmScratch.Pool(), 1, m, n, k, alpha, a, ao, b, bo, beta, c, co, false);
      }
      if (one == null) {
        one = c;
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double sum = 0;
            double abs = 0;
            for (int p = 0; p < k; p++) {
              double x = ta ? a[2 + p * lda + i] : a[2 + i * lda + p];
              double y = tb ? b[5 + j * ldb + p] : b[5 + p * ldb + j];
              sum += x * y;
              abs += Math.abs(x * y);
            }
            int at = 1 + i * ldc + j;
            double want = alpha * sum + beta * (double) c0[at];
            double scale = Math.abs(alpha) * abs + Math.abs(beta * c0[at]);
            assertTrue(
                Math.abs(c[at] - want) <= 1e-4 * scale + 1e-30,
                "(" + i + ", " + j + "): " + c[at] + " vs " + want);
          }
        }
        // Padding between rows is never written.
        for (int i = 0; i < m; i++) {
          for (int j = n; j < ldc && 1 + i * ldc + j < c.length; j++) {
            assertEquals(c0[1 + i * ldc + j], c[1 + i * ldc + j]);
          }
        }
      } else {
        for (int i = 0; i < c.length; i++) {
          assertEquals(
              Float.floatToRawIntBits(one[i]),
              Float.floatToRawIntBits(c[i]),
              "element " + i + " on " + threads + " threads");
        }
      }
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
