package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance of the random fills with {@link Philox}'s stream layout: every backend must reproduce
 * the reference {@link Philox#uniforms}/{@link Philox#normals} for any seed, block counter, offset
 * and length (so a seed gives the same weights on every device), consecutive fills from a {@link
 * Generator} must not overlap, and the moments must be right.
 */
public abstract class RandomConformanceTest extends BackendTestSupport {
  private static final int[] LENGTHS = {1, 3, 4, 7, 97, 100_003};

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void uniformFollowsTheStreamLayout(DType dt) {
    long[] seeds = {0, 42, 0x9E3779B97F4A7C15L, -1};
    for (long seed : seeds) {
      for (int n : LENGTHS) {
        long counter = seed == 42 ? (1L << 32) - 3 : 17; // crosses the 32-bit counter word
        Storage s = filled(dt, n + 5, -9);
        backend().randomUniform(s, 2, n, seed, counter, -0.5, 2.5);
        double[] u = new double[n];
        Philox.uniforms(seed, counter, u, 0, n);
        double[] expected = new double[n + 5];
        Arrays.fill(expected, -9);
        for (int i = 0; i < n; i++) {
          expected[2 + i] = -0.5 + 3.0 * u[i];
        }
        // Both sides compute in double and round once: exact for float32, 1 ulp for float64.
        assertClose(
            "uniform " + dt + " seed=" + seed + " n=" + n,
            rounded(dt, expected),
            download(s),
            dt == DType.FLOAT32 ? 0 : 1e-15,
            1);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void normalFollowsTheStreamLayout(DType dt) {
    for (long seed : new long[] {1, 1234567, Long.MIN_VALUE}) {
      for (int n : LENGTHS) {
        Storage s = filled(dt, n + 3, -9);
        backend().randomNormal(s, 3, n, seed, 5, 0.25, 1.5);
        double[] z = new double[n];
        Philox.normals(seed, 5, z, 0, n);
        double[] expected = new double[n + 3];
        Arrays.fill(expected, -9);
        for (int i = 0; i < n; i++) {
          expected[3 + i] = 0.25 + 1.5 * z[i];
        }
        // Devices may evaluate log/sin/cos a few ulps differently from java.lang.Math.
        assertClose(
            "normal " + dt + " seed=" + seed + " n=" + n,
            rounded(dt, expected),
            download(s),
            dt == DType.FLOAT32 ? 1e-6 : 1e-13,
            1);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void consecutiveFillsFromAGeneratorContinueTheStream(DType dt) {
    // Two fills of 6 and 7 elements reserve 2 blocks each, so the second starts at element 8
    // of one long stream.
    Generator g = new Generator(77);
    Storage s = allocate(dt, 13);
    backend().randomUniform(s, 0, 6, g.seed(), g.reserve(6), 0, 1);
    backend().randomUniform(s, 6, 7, g.seed(), g.reserve(7), 0, 1);
    double[] stream = new double[16];
    Philox.uniforms(77, 0, stream, 0, 16);
    double[] expected = new double[13];
    System.arraycopy(stream, 0, expected, 0, 6);
    System.arraycopy(stream, 8, expected, 6, 7);
    assertClose("generator " + dt, rounded(dt, expected), download(s), 0, 1);
    assertEquals(4, g.state());
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"FLOAT32", "FLOAT64"})
  void momentsAreRight(DType dt) {
    int n = 200_003;
    Storage u = allocate(dt, n);
    backend().randomUniform(u, 0, n, 2024, 0, -2, 3);
    double[] uv = download(u);
    double mean = Arrays.stream(uv).average().orElseThrow();
    double var = Arrays.stream(uv).map(v -> (v - mean) * (v - mean)).sum() / (n - 1);
    // Standard errors: sd/sqrt(n) = 1.44/447 = 0.0032 for the mean; allow 5 of them.
    assertEquals(0.5, mean, 0.017, "uniform mean");
    assertEquals(25.0 / 12, var, 0.03, "uniform variance");
    assertTrue(Arrays.stream(uv).allMatch(v -> v >= -2 && v <= 3), "uniform range");
    assertTrue(Arrays.stream(uv).min().orElseThrow() < -1.99, "uniform reaches low end");

    Storage z = allocate(dt, n);
    backend().randomNormal(z, 0, n, 2025, 0, 1.5, 2);
    double[] zv = download(z);
    double zm = Arrays.stream(zv).average().orElseThrow();
    double zvar = Arrays.stream(zv).map(v -> (v - zm) * (v - zm)).sum() / (n - 1);
    assertEquals(1.5, zm, 5 * 2 / Math.sqrt(n), "normal mean");
    assertEquals(4.0, zvar, 0.07, "normal variance");
    long beyond = Arrays.stream(zv).filter(v -> Math.abs(v - 1.5) > 2 * 1.96).count();
    assertEquals(0.05, beyond / (double) n, 0.005, "normal two-sided 5% tail");
  }
}
