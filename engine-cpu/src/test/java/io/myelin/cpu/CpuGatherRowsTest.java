package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.myelin.DType;
import io.myelin.backend.Storage;
import org.junit.jupiter.api.Test;

/**
 * gatherRows on the CPU backend: offsets, repeated indices, an index value out of range (the
 * argument checks are BackendArgumentConformanceTest#gatherRows).
 */
class CpuGatherRowsTest {
  private final CpuBackend b = new CpuBackend(1);

  private Storage ints(int... v) {
    Storage s = b.allocate(DType.INT32, v.length);
    b.copyFromHost(v, 0, s, 0, v.length);
    return s;
  }

  @Test
  void gathersRowsAtOffsets() {
    Storage src = b.allocate(DType.FLOAT64, 2 + 4 * 3);
    double[] v = new double[14];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 0.5;
    }
    b.copyFromHost(v, 0, src, 0, v.length);
    Storage idx = ints(9, 3, 3, 0); // indices at offset 1: 3, 3, 0
    Storage dst = b.allocate(DType.FLOAT64, 1 + 3 * 3);
    b.copyFromHost(new double[10], 0, dst, 0, 10);
    b.gatherRows(src, 2, 4, 3, idx, 1, 3, dst, 1);
    double[] got = new double[10];
    b.copyToHost(dst, 0, got, 0, 10);
    assertArrayEquals(new double[] {0, 5.5, 6, 6.5, 5.5, 6, 6.5, 1, 1.5, 2}, got);
  }

  @Test
  void anIndexOutsideTheSourceIsRefused() {
    Storage s = b.allocate(DType.FLOAT32, 12);
    Storage d = b.allocate(DType.FLOAT32, 12);
    Storage bad = ints(0, 3, 1);
    assertThrows(IndexOutOfBoundsException.class, () -> b.gatherRows(s, 0, 3, 4, bad, 0, 3, d, 0));
  }
}
