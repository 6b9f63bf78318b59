package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Layout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance of memory primitives: host transfers with offsets, strided copies (transposed,
 * broadcast, offset views) with every dtype conversion, fills of views, and memory statistics.
 */
public abstract class MemoryConformanceTest extends BackendTestSupport {

  @ParameterizedTest
  @EnumSource(DType.class)
  void hostRoundTripHonoursOffsets(DType dt) {
    SplittableRandom r = rng(11);
    for (int n : new int[] {1, 7, 257, 100_003}) {
      double[] v = rounded(dt, uniform(r, n, -1000, 1000));
      Storage s = upload(dt, v);
      assertArrayEquals(v, download(s), dt + " n=" + n);
      // Write 5 elements at offset 3 from host offset 2, read 4 back from offset 4.
      if (n >= 9) {
        double[] patch = rounded(dt, uniform(r, 9, -5, 5));
        Storage p = upload(dt, patch);
        double[] all = download(p);
        Object host =
            switch (dt) {
              case FLOAT32 -> new float[9];
              case FLOAT64 -> new double[9];
              case INT32 -> new int[9];
            };
        backend().copyToHost(p, 0, host, 0, 9);
        backend().copyFromHost(host, 2, s, 3, 5);
        double[] expected = v.clone();
        System.arraycopy(all, 2, expected, 3, 5);
        assertArrayEquals(expected, download(s), dt + " offsets n=" + n);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void copyOfTransposedViewIntoOffsetDestination(DType dt) {
    SplittableRandom r = rng(12);
    // Source [a, b, c] stored densely; copy its permutation (c, a, b) into a dense destination.
    for (int[] dims : new int[][] {{1, 1, 1}, {3, 7, 13}, {5, 97, 2}, {41, 67, 47}}) {
      int a = dims[0];
      int b = dims[1];
      int c = dims[2];
      int n = a * b * c;
      double[] v = rounded(dt, uniform(r, n + 4, -100, 100));
      Storage src = upload(dt, v);
      Layout sl = view(4, new int[] {c, a, b}, 1, b * c, c);
      Storage dst = filled(dt, n + 3, -7);
      Layout dl = dense(3, c, a, b);
      backend().copy(src, sl, dst, dl);
      double[] expected = new double[n + 3];
      java.util.Arrays.fill(expected, -7);
      for (int i = 0; i < n; i++) {
        expected[3 + i] = v[sl.indexOf(i)];
      }
      assertArrayEquals(expected, download(dst), dt + " " + java.util.Arrays.toString(dims));
    }
  }

  @Test
  void copyBroadcastsZeroStridesIntoDenseOutput() {
    SplittableRandom r = rng(13);
    double[] row = rounded(DType.FLOAT32, uniform(r, 13, -1, 1));
    Storage src = upload(DType.FLOAT32, row);
    // [4, 5, 13] where the first two axes repeat one row.
    Layout sl = view(0, new int[] {4, 5, 13}, 0, 0, 1);
    Storage dst = filled(DType.FLOAT32, 4 * 5 * 13, Double.NaN);
    backend().copy(src, sl, dst, Layout.contiguous(4, 5, 13));
    double[] got = download(dst);
    for (int i = 0; i < got.length; i++) {
      assertEquals(row[i % 13], got[i], "element " + i);
    }
  }

  @Test
  void copyIntoStridedDestinationLeavesGapsAlone() {
    SplittableRandom r = rng(14);
    int rows = 37;
    int cols = 11;
    double[] v = rounded(DType.FLOAT64, uniform(r, rows * cols, -3, 3));
    Storage src = upload(DType.FLOAT64, v);
    // Every other column of a [rows, 2 * cols] matrix, starting at column 1.
    Storage dst = filled(DType.FLOAT64, rows * 2 * cols + 1, 42);
    backend()
        .copy(
            src, Layout.contiguous(rows, cols), dst, view(1, new int[] {rows, cols}, 2 * cols, 2));
    double[] got = download(dst);
    for (int i = 0; i < got.length; i++) {
      int rel = i - 1;
      boolean written = rel >= 0 && rel % 2 == 0 && rel / 2 / cols < rows;
      double expected = written ? v[(rel / (2 * cols)) * cols + (rel % (2 * cols)) / 2] : 42;
      assertEquals(expected, got[i], "element " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void castsBetweenEveryPairOfDtypes(DType from) {
    SplittableRandom r = rng(15);
    int n = 1031;
    double[] v = uniform(r, n, -1e4, 1e4);
    // Include values that separate truncation from rounding and floor: -2.7, -0.5, 2.5, 2.7.
    v[0] = -2.7;
    v[1] = -0.5;
    v[2] = 2.5;
    v[3] = 2.7;
    double[] held = rounded(from, v);
    Storage src = upload(from, v);
    for (DType to : DType.values()) {
      Storage dst = allocate(to, n);
      backend().copy(src, Layout.contiguous(n), dst, Layout.contiguous(n));
      double[] expected = new double[n];
      for (int i = 0; i < n; i++) {
        expected[i] =
            switch (to) {
              case FLOAT32 -> (float) held[i];
              case FLOAT64 -> held[i];
              case INT32 -> (int) held[i]; // truncation toward zero
            };
      }
      assertArrayEquals(expected, download(dst), from + " -> " + to);
    }
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void fillSetsOnlyTheView(DType dt) {
    SplittableRandom r = rng(16);
    for (int n : new int[] {1, 13, 100_003}) {
      double[] v = rounded(dt, uniform(r, 2 * n + 2, -9, 9));
      Storage s = upload(dt, v);
      double value = dt == DType.INT32 ? -17 : 0.3125 + r.nextInt(100);
      // Even elements from index 2.
      backend().fill(s, view(2, new int[] {n}, 2), value);
      double[] expected = v.clone();
      for (int i = 0; i < n; i++) {
        expected[2 + 2 * i] = value;
      }
      assertArrayEquals(expected, download(s), dt + " n=" + n);
    }
  }

  @Test
  void fillRoundsToFloat32() {
    Storage s = allocate(DType.FLOAT32, 3);
    backend().fill(s, Layout.contiguous(3), 0.1);
    assertArrayEquals(new double[] {0.1f, 0.1f, 0.1f}, download(s));
  }

  @Test
  void memoryStatsCountLiveBlocksAndBytes() {
    Backend b = backend();
    MemoryStats before = b.memoryStats();
    Storage s1 = b.allocate(DType.FLOAT32, 1000);
    Storage s2 = b.allocate(DType.FLOAT64, 333);
    MemoryStats during = b.memoryStats();
    assertEquals(before.liveBlocks() + 2, during.liveBlocks());
    assertEquals(before.allocatedBytes() + 4000 + 333 * 8, during.allocatedBytes());
    assertTrue(during.peakAllocatedBytes() >= during.allocatedBytes());
    assertTrue(during.reservedBytes() >= during.allocatedBytes());
    assertEquals(1000, s1.length());
    assertEquals(333 * 8, s2.byteSize());
    s1.retain();
    s1.release();
    assertTrue(!s1.isFreed(), "one reference left");
    s1.release();
    s2.release();
    assertTrue(s1.isFreed() && s2.isFreed());
    MemoryStats after = b.memoryStats();
    assertEquals(before.liveBlocks(), after.liveBlocks());
    assertEquals(before.allocatedBytes(), after.allocatedBytes());
    assertTrue(after.peakAllocatedBytes() >= during.allocatedBytes());
  }
}
