package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.backend.GemmOperand;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SgemmWarmupTest {
  @Test
  void smallGemmsMoveToTheVectorPathWithTheSameBits() throws InterruptedException {
    // A Pima-shaped product (614 x 8 times 8 x 20) that the scalar path suits.
    int m = 614;
    int n = 20;
    int k = 8;
    assertTrue(SgemmScalar.suits(1, m, n, k));
    SplittableRandom rnd = new SplittableRandom(7);
    float[] a = new float[m * k];
    float[] b = new float[k * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rnd.nextGaussian();
    }
    GemmOperand ao = new GemmOperand(null, 0, k, 0, false);
    GemmOperand bo = new GemmOperand(null, 0, n, 0, false);
    GemmOperand co = new GemmOperand(null, 0, n, 0, false);
    try (CpuThreads threads = new CpuThreads(1)) {
      SgemmScratch.Pool pool = new SgemmScratch.Pool();
      float[] before = new float[m * n];
      Sgemm.gemm(threads, pool, 1, m, n, k, 1f, a, ao, b, bo, 0f, before, co, Sgemm.Path.AUTO);
      // The first AUTO call started the warm-up thread; it ends (a bounded amount of work).
      assertTrue(SgemmWarmup.awaitWarm(180_000), "the vector SGEMM warm-up did not finish");
      float[] after = new float[m * n];
      Sgemm.gemm(threads, pool, 1, m, n, k, 1f, a, ao, b, bo, 0f, after, co, Sgemm.Path.AUTO);
      float[] scalar = new float[m * n];
      Sgemm.gemm(threads, pool, 1, m, n, k, 1f, a, ao, b, bo, 0f, scalar, co, Sgemm.Path.SCALAR);
      float[] vector = new float[m * n];
      Sgemm.gemm(threads, pool, 1, m, n, k, 1f, a, ao, b, bo, 0f, vector, co, Sgemm.Path.VECTOR);
      assertArrayEquals(scalar, before);
      assertArrayEquals(vector, after);
      assertArrayEquals(scalar, vector);
    }
  }
}
