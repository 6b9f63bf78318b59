package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.backend.GemmOperand;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scalar path of small SGEMMs ({@link SgemmScalar}) against the packed Vector API path on the
 * same inputs: the same bits, element for element, on every transpose, alpha/beta case, batches
 * with offsets and padded leading dimensions, and depths over one block (k > 256, several depth
 * blocks). The packed path itself is checked against float64 by the gemm conformance suite.
 */
class SgemmScalarTest {
  @ParameterizedTest
  @CsvSource({
    // batch, m, n, k: the Pima MLP's shapes (forward, dX, dW), awkward and narrow ones
    "1, 614, 20, 8",
    "1, 614, 20, 20",
    "1, 614, 2, 20",
    "1, 20, 8, 614",
    "1, 20, 20, 614",
    "1, 2, 20, 614",
    "1, 614, 8, 20",
    "3, 17, 33, 29",
    "2, 13, 5, 300",
    "1, 1, 250, 520",
    "1, 9, 250, 7",
    "2, 5, 3, 600",
    "1, 50, 1, 1000",
    "4, 7, 16, 257",
    "1, 31, 47, 95",
    "1, 128, 3, 300",
    "2, 200, 17, 33",
    // whole 12 x 32 tiles (written by the kernel itself on 16-lane machines), one and two blocks
    "1, 36, 64, 100",
    "2, 24, 96, 50",
    "1, 13, 64, 300"
  })
  void sameBitsAsThePackedPath(int batch, int m, int n, int k) {
    assertTrue(SgemmScalar.suits(batch, m, n, k), "shape takes the scalar path");
    SplittableRandom rnd = new SplittableRandom(m * 31L + n * 17L + k);
    try (CpuThreads threads = new CpuThreads(1)) {
      SgemmScratch.Pool pool = new SgemmScratch.Pool();
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          for (float[] ab : new float[][] {{1f, 0f}, {0.75f, 1f}, {-1.5f, 0.5f}}) {
            int lda = (ta ? m : k) + 3;
            int ldb = (tb ? k : n) + 1;
            int ldc = n + 2;
            int aRows = ta ? k : m;
            int bRows = tb ? n : k;
            int aStride = aRows * lda + 5;
            int bStride = bRows * ldb + 2;
            int cStride = m * ldc + 1;
            float[] a = random(rnd, 4 + batch * aStride);
            float[] b = random(rnd, 1 + batch * bStride);
            float[] c0 = random(rnd, 2 + batch * cStride);
            float[] packed = c0.clone();
            float[] scalar = c0.clone();
            GemmOperand ao = new GemmOperand(null, 4, lda, aStride, ta);
            GemmOperand bo = new GemmOperand(null, 1, ldb, bStride, tb);
            GemmOperand co = new GemmOperand(null, 2, ldc, cStride, false);
            Sgemm.gemm(
                threads, pool, batch, m, n, k, ab[0], a, ao, b, bo, ab[1], packed, co, false);
            Sgemm.gemm(threads, pool, batch, m, n, k, ab[0], a, ao, b, bo, ab[1], scalar, co, true);
            for (int i = 0; i < c0.length; i++) {
              int at = i;
              assertEquals(
                  Float.floatToRawIntBits(packed[i]),
                  Float.floatToRawIntBits(scalar[i]),
                  () -> "element " + at + " ta=" + ta + " tb=" + tb);
            }
          }
        }
      }
    }
  }

  private static float[] random(SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return x;
  }
}
