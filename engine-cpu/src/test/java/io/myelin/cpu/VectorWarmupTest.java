package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the CPU backend warms its SIMD matrix product up: large models only. */
class VectorWarmupTest {
  @Test
  void onlyModelsWhoseProductsTakeThePackedPathStartTheThread() {
    assertEquals(VectorWarmup.Mode.AUTO, VectorWarmup.MODE, "the default");
    // The course's Pima MLP (8-20-20-2): every product takes the scalar path.
    assertFalse(VectorWarmup.pays(20 * 20));
    assertFalse(VectorWarmup.pays(0)); // nothing known
    // 16 rows of in x out at the scalar path's limit stay scalar; one weight more does not.
    long limit = SgemmScalar.MAX_MACS / VectorWarmup.BATCH_ROWS;
    assertFalse(VectorWarmup.pays(limit));
    assertTrue(VectorWarmup.pays(limit + 1));
    // Fashion-MNIST's 784-512-256-10 and a convolutional network.
    assertTrue(VectorWarmup.pays(784 * 512));
    assertTrue(VectorWarmup.pays(Long.MAX_VALUE));
    // Consistent with the GEMM's own choice at 16 rows.
    assertTrue(SgemmScalar.suits(1, 16, 128, 128));
    assertFalse(SgemmScalar.suits(1, 16, 128, 129));
  }
}
