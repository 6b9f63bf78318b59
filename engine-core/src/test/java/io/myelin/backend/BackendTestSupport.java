package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.myelin.DType;
import io.myelin.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;

/**
 * Helpers shared by the backend conformance suites: moving data between host {@code double[]}
 * arrays and storages of any dtype, seeded random inputs, strided layouts, and tolerance checks
 * that name the first failing element.
 *
 * <p>A backend under test implements {@link #backend()}; a backend that cannot run here (no GPU)
 * calls {@code Assumptions.assumeTrue(false, reason)} inside it, which skips every test. Storages
 * made through these helpers are released after each test.
 */
public abstract class BackendTestSupport {
  /** float32 element-wise tolerance (DESIGN.md): relative, with a small absolute floor. */
  protected static final double F32_ELEMENTWISE = 1e-5;

  /** float32 GEMM and reduction tolerance (DESIGN.md), relative to the sum of absolute terms. */
  protected static final double F32_ACCUMULATED = 1e-4;

  /** float64 tolerance for element-wise ops. */
  protected static final double F64_ELEMENTWISE = 1e-12;

  /** float64 tolerance for GEMM and reductions, relative to the sum of absolute terms. */
  protected static final double F64_ACCUMULATED = 1e-11;

  private final List<Storage> storages = new ArrayList<>();

  /** The backend under test; may skip the test with an assumption. */
  protected abstract Backend backend();

  @AfterEach
  protected final void releaseStorages() {
    for (Storage s : storages) {
      s.release();
    }
    storages.clear();
  }

  /** A seeded generator; each test passes its own seed so failures reproduce. */
  protected static SplittableRandom rng(long seed) {
    return new SplittableRandom(seed);
  }

  /** {@code n} uniforms in [lo, hi). */
  protected static double[] uniform(SplittableRandom r, int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * r.nextDouble();
    }
    return v;
  }

  /** {@code n} values drawn from the small integer set [lo, hi]: forces ties and equal pairs. */
  protected static double[] integers(SplittableRandom r, int n, int lo, int hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextInt(lo, hi + 1);
    }
    return v;
  }

  /** Rounds values to what a storage of {@code dt} holds, so references see the same inputs. */
  protected static double[] rounded(DType dt, double[] v) {
    double[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (dt) {
            case FLOAT32 -> (float) out[i];
            case FLOAT64 -> out[i];
            case INT32 -> (int) out[i];
          };
    }
    return out;
  }

  /** Allocates a storage of {@code dt}, released after the test. */
  protected Storage allocate(DType dt, int length) {
    Storage s = backend().allocate(dt, length);
    storages.add(s);
    return s;
  }

  /** A storage holding {@code values} converted to {@code dt}. */
  protected Storage upload(DType dt, double[] values) {
    Storage s = allocate(dt, values.length);
    Object host =
        switch (dt) {
          case FLOAT32 -> {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
            yield f;
          }
          case FLOAT64 -> values.clone();
          case INT32 -> {
            int[] a = new int[values.length];
            for (int i = 0; i < a.length; i++) a[i] = (int) values[i];
            yield a;
          }
        };
    backend().copyFromHost(host, 0, s, 0, values.length);
    return s;
  }

  /** A storage of {@code length} elements set to {@code sentinel} (NaN marks unwritten outputs). */
  protected Storage filled(DType dt, int length, double sentinel) {
    double[] v = new double[length];
    Arrays.fill(v, sentinel);
    return upload(dt, v);
  }

  /** The whole storage as doubles. */
  protected double[] download(Storage s) {
    int n = s.length();
    double[] out = new double[n];
    switch (s.dtype()) {
      case FLOAT32 -> {
        float[] f = new float[n];
        backend().copyToHost(s, 0, f, 0, n);
        for (int i = 0; i < n; i++) out[i] = f[i];
      }
      case FLOAT64 -> backend().copyToHost(s, 0, out, 0, n);
      case INT32 -> {
        int[] a = new int[n];
        backend().copyToHost(s, 0, a, 0, n);
        for (int i = 0; i < n; i++) out[i] = a[i];
      }
    }
    return out;
  }

  /** A layout with explicit strides and offset. */
  protected static Layout view(int offset, int[] shape, int... strides) {
    return new Layout(shape, strides, offset);
  }

  /** Row-major contiguous layout of {@code shape} starting at {@code offset}. */
  protected static Layout dense(int offset, int... shape) {
    return new Layout(shape, Layout.contiguousStrides(shape), offset);
  }

  /** Element-wise tolerance of {@code dt}. */
  protected static double elementwiseTol(DType dt) {
    return dt == DType.FLOAT32 ? F32_ELEMENTWISE : F64_ELEMENTWISE;
  }

  /** Accumulation (GEMM, reduction) tolerance of {@code dt}. */
  protected static double accumulatedTol(DType dt) {
    return dt == DType.FLOAT32 ? F32_ACCUMULATED : F64_ACCUMULATED;
  }

  /**
   * Checks {@code |actual - expected| <= tol * max(|expected|, floor)} element by element (NaN must
   * match NaN, infinities must match exactly).
   */
  protected static void assertClose(
      String what, double[] expected, double[] actual, double tol, double floor) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) || Double.isNaN(a) || Double.isInfinite(e) || Double.isInfinite(a)) {
        if (Double.compare(e, a) != 0 && !(Double.isNaN(e) && Double.isNaN(a))) {
          fail(what + ": element " + i + " expected " + e + " but was " + a);
        }
        continue;
      }
      if (Math.abs(a - e) > tol * Math.max(Math.abs(e), floor)) {
        fail(
            what
                + ": element "
                + i
                + " expected "
                + e
                + " but was "
                + a
                + " (tolerance "
                + tol
                + " relative, floor "
                + floor
                + ")");
      }
    }
  }

  /**
   * Checks accumulated results: {@code |actual - expected| <= tol * scale[i]}, where the scale is
   * the sum of the absolute values of the terms that were added (the honest bound for sums).
   */
  protected static void assertCloseScaled(
      String what, double[] expected, double[] actual, double[] scale, double tol) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) || Double.isNaN(a)) {
        if (!(Double.isNaN(e) && Double.isNaN(a))) {
          fail(what + ": element " + i + " expected " + e + " but was " + a);
        }
        continue;
      }
      if (Math.abs(a - e) > tol * Math.max(scale[i], Double.MIN_NORMAL)) {
        fail(
            what
                + ": element "
                + i
                + " expected "
                + e
                + " but was "
                + a
                + " (tolerance "
                + tol
                + " x "
                + scale[i]
                + ")");
      }
    }
  }
}
