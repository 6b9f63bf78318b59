package io.myelin.testing;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the tensor-level conformance suites: every test runs with {@link #device()} as the
 * thread's default device, so one suite covers every backend. A backend module subclasses each
 * suite and returns its device; a subclass for a device that is absent here skips in {@link
 * #device()} with a JUnit assumption carrying the probe's reason.
 */
public abstract class DeviceTestBase {
  private DeviceManager.DeviceScope scope;

  /** The device under test. */
  protected abstract Device device();

  @BeforeEach
  void bindDevice() {
    scope = DeviceManager.useDevice(device());
  }

  @AfterEach
  void unbindDevice() {
    if (scope != null) {
      scope.close();
    }
  }

  /** Seeded uniform doubles in [lo, hi). */
  protected static double[] randomDoubles(long seed, int n, double lo, double hi) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * r.nextDouble();
    }
    return v;
  }

  /** Seeded uniform floats in [lo, hi). */
  protected static float[] randomFloats(long seed, int n, double lo, double hi) {
    double[] d = randomDoubles(seed, n, lo, hi);
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /** A float64 tensor of seeded uniforms in [-1, 1) (gradient checks). */
  protected static Tensor rand64(long seed, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return Tensor.of(randomDoubles(seed, n, -1, 1), shape);
  }

  /** A float32 tensor of seeded normals. */
  protected static Tensor randn32(long seed, int... shape) {
    return Tensor.randn(new Generator(seed), shape);
  }

  protected static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** Asserts |a - e| <= tol * max(1, |e|) element-wise, naming the first bad index. */
  protected static void assertClose(double[] expected, double[] actual, double tol, String what) {
    if (expected.length != actual.length) {
      throw new AssertionError(
          what + ": length " + actual.length + ", expected " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) && Double.isNaN(a)) {
        continue;
      }
      if (e == a) {
        continue; // covers equal infinities
      }
      if (!(Math.abs(a - e) <= tol * Math.max(1.0, Math.abs(e)))) {
        throw new AssertionError(
            what + ": element " + i + " is " + a + ", expected " + e + " (tolerance " + tol + ")");
      }
    }
  }

  protected static void assertClose(double[] expected, float[] actual, double tol, String what) {
    assertClose(expected, toDouble(actual), tol, what);
  }
}
