package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Conformance of dropout: the mask is exactly {@code u >= p} for the uniforms {@link
 * Backend#randomUniform} writes with the same seed and counter (so every backend drops the same
 * units), survivors are scaled by {@code 1 / (1 - p)} in the dtype, the backward applies the same
 * mask, in-place calls work, offsets are honoured, and the keep rate is about {@code 1 - p}.
 */
public abstract class DropoutConformanceTest extends BackendTestSupport {
  private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
  private static final int[] SIZES = {1, 3, 5, 8, 1031, 65537};
  private static final double[] PS = {0, 0.3, 0.5, 0.999};

  /** The counter read from device memory (plus the offset) draws what the by-value call draws. */
  @Test
  void theCountedFormReadsItsCounterFromStorage() {
    SplittableRandom r = rng(1150);
    for (DType dt : FLOATS) {
      for (int n : SIZES) {
        long seed = r.nextLong();
        long base = r.nextInt(1 << 20) + (1L << 33);
        long add = r.nextInt(1000);
        double[] x = rounded(dt, uniform(r, n, -3, 3));
        Storage xs = upload(dt, x);
        Storage expected = allocate(dt, n);
        backend().dropout(0.3, seed, base + add, xs, 0, expected, 0, n);
        Storage cell = upload(DType.FLOAT64, new double[] {-1, base});
        Storage y = filled(dt, n + 1, Double.NaN);
        backend().dropoutCounted(0.3, seed, cell, 1, add, xs, 0, y, 1, n);
        String what = "dropoutCounted " + dt + " n=" + n;
        assertClose(what, download(expected), Arrays.copyOfRange(download(y), 1, n + 1), 0, 0);
        // A later value in the cell is what the next call reads: a different mask.
        backend().copyFromHost(new double[] {base + add + 1000}, 0, cell, 1, 1);
        Storage moved = allocate(dt, n);
        backend().dropout(0.3, seed, base + 2 * add + 1000, xs, 0, moved, 0, n);
        backend().dropoutCounted(0.3, seed, cell, 1, add, xs, 0, y, 1, n);
        assertClose(
            what + " after the cell moved",
            download(moved),
            Arrays.copyOfRange(download(y), 1, n + 1),
            0,
            0);
      }
    }
  }

  @Test
  void maskIsTheUniformStreamThresholdedAtP() {
    SplittableRandom r = rng(1100);
    for (DType dt : FLOATS) {
      for (int n : SIZES) {
        for (double p : PS) {
          long seed = r.nextLong();
          long counter = r.nextInt(1 << 20) + (1L << 33); // high counter words exercised
          double[] x = rounded(dt, uniform(r, n, -3, 3));
          Storage u = allocate(dt, n);
          backend().randomUniform(u, 0, n, seed, counter, 0, 1);
          double[] us = download(u);
          double pT = dt == DType.FLOAT32 ? (float) p : p;
          double s = dt == DType.FLOAT32 ? (float) (1 / (1 - p)) : 1 / (1 - p);
          double[] expected = new double[n];
          for (int i = 0; i < n; i++) {
            expected[i] = rounded(dt, new double[] {x[i] * (us[i] >= pT ? s : 0)})[0];
          }
          Storage xs = upload(dt, CrossEntropyConformanceTest.pad(1, x));
          Storage y = filled(dt, n + 2, Double.NaN);
          backend().dropout(p, seed, counter, xs, 1, y, 2, n);
          String what = "dropout " + dt + " n=" + n + " p=" + p;
          assertClose(what, expected, Arrays.copyOfRange(download(y), 2, n + 2), 0, 0);
          // Backward: the same mask on the upstream gradient, here in place.
          double[] gy = rounded(dt, uniform(r, n, -1, 1));
          Storage g = upload(dt, gy);
          backend().dropoutBackward(p, seed, counter, g, 0, g, 0, n);
          double[] gx = download(g);
          for (int i = 0; i < n; i++) {
            double e = rounded(dt, new double[] {gy[i] * (us[i] >= pT ? s : 0)})[0];
            assertEquals(e, gx[i], 0, what + " backward at " + i);
          }
        }
      }
    }
  }

  @Test
  void keepRateIsAboutOneMinusPAndInPlaceWorks() {
    int n = 65537;
    for (DType dt : FLOATS) {
      double[] ones = new double[n];
      Arrays.fill(ones, 1);
      Storage x = upload(dt, ones);
      backend().dropout(0.25, 42, 7, x, 0, x, 0, n);
      double[] y = download(x);
      int kept = 0;
      for (double v : y) {
        assertTrue(v == 0 || Math.abs(v - 4.0 / 3) < 1e-6, dt + " value " + v);
        if (v != 0) kept++;
      }
      double rate = kept / (double) n;
      assertTrue(Math.abs(rate - 0.75) < 0.01, dt + " keep rate " + rate);
    }
  }
  // Bad arguments: BackendArgumentConformanceTest#dropout.
}
