package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.backend.MemoryStats;
import io.myelin.backend.Storage;
import org.junit.jupiter.api.Test;

/** The CPU array pool: reuse by dtype and length, its byte limit, poisoning, and the stats. */
class ArrayPoolTest {
  @Test
  void reusesByDtypeAndExactLengthLastInFirstOut() {
    ArrayPool pool = new ArrayPool(1 << 20, false);
    assertNull(pool.take(DType.FLOAT32, 10));
    float[] a = new float[10];
    float[] b = new float[10];
    pool.give(DType.FLOAT32, a, 10);
    pool.give(DType.FLOAT32, b, 10);
    assertEquals(80, pool.pooledBytes());
    assertNull(pool.take(DType.FLOAT32, 11), "another length");
    assertNull(pool.take(DType.INT32, 10), "another dtype");
    assertSame(b, pool.take(DType.FLOAT32, 10));
    assertSame(a, pool.take(DType.FLOAT32, 10));
    assertNull(pool.take(DType.FLOAT32, 10));
    assertEquals(0, pool.pooledBytes());
  }

  @Test
  void arraysAboveTheLimitGoToTheGarbageCollector() {
    ArrayPool pool = new ArrayPool(100, false);
    pool.give(DType.FLOAT64, new double[10], 10); // 80 bytes
    pool.give(DType.FLOAT64, new double[10], 10); // would be 160
    assertEquals(80, pool.pooledBytes());
    assertTrue(pool.take(DType.FLOAT64, 10) != null);
    assertNull(pool.take(DType.FLOAT64, 10));
  }

  @Test
  void poisonFillsEveryArrayHandedOut() {
    ArrayPool pool = new ArrayPool(1 << 20, true);
    float[] f = {1, 2, 3};
    pool.give(DType.FLOAT32, f, 3);
    float[] back = (float[]) pool.take(DType.FLOAT32, 3);
    assertTrue(Float.isNaN(back[0]) && Float.isNaN(back[2]), java.util.Arrays.toString(back));
    int[] i = new int[4];
    pool.poison(i);
    assertEquals(Integer.MIN_VALUE, i[3]);
  }

  @Test
  void theSuiteRunsWithPoisonedAllocations() {
    // Set by the root pom's surefire argLine: every CPU test then fails if a kernel reads an
    // output element it did not write.
    assertTrue(Boolean.getBoolean("myelin.cpu.poison"), "-Dmyelin.cpu.poison=true missing");
  }

  @Test
  void backendReusesFreedArraysAndCountsThemAsReserved() {
    try (CpuBackend b = new CpuBackend(1)) {
      Storage s = b.allocate(DType.FLOAT32, 1000);
      Object first = ((CpuStorage) s).floats();
      s.release();
      MemoryStats idle = b.memoryStats();
      assertEquals(0, idle.allocatedBytes());
      assertEquals(4000, idle.reservedBytes(), "the pooled array is reserved");
      Storage again = b.allocate(DType.FLOAT32, 1000);
      assertSame(first, ((CpuStorage) again).floats(), "reused");
      assertEquals(1, b.memoryStats().systemAllocations(), "one array from the heap in all");
      Storage other = b.allocate(DType.FLOAT32, 1000);
      assertNotSame(first, ((CpuStorage) other).floats());
      assertEquals(2, b.memoryStats().systemAllocations());
      again.release();
      other.release();
    }
  }
}
