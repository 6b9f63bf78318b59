package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.myelin.DType;
import io.myelin.Tensor;
import org.junit.jupiter.api.Test;

/** Comparisons of different dtypes promote as PyTorch's do; arithmetic still refuses them. */
class CpuComparisonPromotionTest {
  @Test
  void int32LabelsCompareWithFloatPredictions() {
    Tensor labels = Tensor.ofInts(new int[] {0, 2, 1, 16777217}, 4);
    Tensor predicted = Tensor.of(new float[] {0f, 1f, 1f, 16777216f}, 4);
    Tensor eq = labels.eq(predicted);
    assertEquals(DType.FLOAT32, eq.dtype());
    // 16777217 is not a float32: as float32 it rounds to 16777216, as torch compares it too.
    assertArrayEquals(new float[] {1, 0, 1, 1}, eq.toFloatArray());
    assertArrayEquals(new float[] {1, 0, 1, 1}, predicted.eq(labels).toFloatArray());
    assertArrayEquals(new float[] {0, 1, 0, 0}, labels.gt(predicted).toFloatArray());
    assertArrayEquals(new float[] {1, 1, 1, 1}, labels.ge(predicted).toFloatArray());
  }

  @Test
  void float32AgainstFloat64ComparesInFloat64() {
    Tensor a = Tensor.of(new float[] {0.1f, 2f}, 2);
    Tensor b = Tensor.of(new double[] {0.1, 2.0}, 2);
    Tensor eq = a.eq(b);
    assertEquals(DType.FLOAT64, eq.dtype());
    assertArrayEquals(new float[] {0, 1}, eq.toFloatArray(), "0.1f widened is not 0.1");
  }

  @Test
  void arithmeticDoesNotPromote() {
    Tensor labels = Tensor.ofInts(new int[] {1, 2}, 2);
    Tensor x = Tensor.of(new float[] {1f, 2f}, 2);
    var e = assertThrows(IllegalArgumentException.class, () -> x.add(labels));
    assertEquals("add: dtypes differ, f32 and i32 (convert one with .to(DType))", e.getMessage());
  }
}
