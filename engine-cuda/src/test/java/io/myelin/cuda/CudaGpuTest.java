package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.Storage;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;

/**
 * Helpers for tests that run kernels on cuda:0 and compare with double-precision references (the op
 * enums' scalar definitions). Every subclass test skips with the probe's reason without a GPU.
 * Tolerances follow DESIGN.md: 1e-5 relative for element-wise float32, 1e-4 for GEMM and
 * reductions; float64 is held to 1e-12.
 */
abstract class CudaGpuTest {
  protected CudaBackend b;
  protected final Random random = new Random(20240601);

  @BeforeEach
  void backend() {
    b = CudaTestBackend.get();
  }

  static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

  protected Storage upload(DType dt, double[] v) {
    Storage s = b.allocate(dt, v.length);
    switch (dt) {
      case FLOAT32 -> {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
          f[i] = (float) v[i];
        }
        b.copyFromHost(f, 0, s, 0, v.length);
      }
      case FLOAT64 -> b.copyFromHost(v, 0, s, 0, v.length);
      case INT32 -> {
        int[] n = new int[v.length];
        for (int i = 0; i < v.length; i++) {
          n[i] = (int) v[i];
        }
        b.copyFromHost(n, 0, s, 0, v.length);
      }
    }
    return s;
  }

  protected double[] download(Storage s) {
    double[] out = new double[s.length()];
    switch (s.dtype()) {
      case FLOAT32 -> {
        float[] f = new float[s.length()];
        b.copyToHost(s, 0, f, 0, f.length);
        for (int i = 0; i < f.length; i++) {
          out[i] = f[i];
        }
      }
      case FLOAT64 -> b.copyToHost(s, 0, out, 0, out.length);
      case INT32 -> {
        int[] n = new int[s.length()];
        b.copyToHost(s, 0, n, 0, n.length);
        for (int i = 0; i < n.length; i++) {
          out[i] = n[i];
        }
      }
    }
    return out;
  }

  /** {@code v} rounded to the dtype, as the device holds it. */
  protected static double[] rounded(DType dt, double[] v) {
    double[] r = v.clone();
    if (dt == DType.FLOAT32) {
      for (int i = 0; i < r.length; i++) {
        r[i] = (float) r[i];
      }
    }
    return r;
  }

  protected double[] uniform(int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * random.nextDouble();
    }
    return v;
  }

  protected static double tolerance(DType dt, double relative32) {
    return dt == DType.FLOAT32 ? relative32 : 1e-12;
  }

  /** |actual - expected| <= tol * max(1, |expected|) element-wise; NaN must match NaN. */
  protected static void assertClose(double[] expected, double[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) || Double.isNaN(a)) {
        if (Double.isNaN(e) != Double.isNaN(a)) {
          fail(what + " at " + i + ": expected " + e + ", got " + a);
        }
        continue;
      }
      if (Double.isInfinite(e) && e == a) {
        continue;
      }
      if (Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) {
        fail(what + " at " + i + ": expected " + e + ", got " + a + " (tolerance " + tol + ")");
      }
    }
  }

  protected static Layout contiguous(int... shape) {
    return Layout.contiguous(shape);
  }
}
