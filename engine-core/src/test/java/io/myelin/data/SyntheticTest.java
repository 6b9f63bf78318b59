package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SyntheticTest {
  static List<LongFunction<ArrayDataset>> generators(int n) {
    return List.of(
        s -> Synthetic.moons(n, 0.1, s),
        s -> Synthetic.circles(n, 0.5, 0.05, s),
        s -> Synthetic.blobs(n, 3, 4, 1.0, s),
        s -> Synthetic.gaussianQuantiles(n, 3, Math.min(n, 4), s),
        s -> Synthetic.xor(n, Synthetic.XorLayout.CLUSTERS, 0.2, s),
        s -> Synthetic.xor(n, Synthetic.XorLayout.UNIFORM, 0.0, s),
        s -> Synthetic.spirals(n, 5, 0.02, s));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 101, 1000})
  void deterministicPerSeedAndDifferentAcrossSeeds(int n) {
    for (var g : generators(n)) {
      var a = g.apply(42);
      var b = g.apply(42);
      assertArrayEquals(a.features(), b.features());
      assertArrayEquals(a.labels(), b.labels());
      assertEquals(n, a.rows());
      if (n > 5) {
        assertFalse(Arrays.equals(a.features(), g.apply(43).features()));
      }
      for (float v : a.features()) {
        assertTrue(Float.isFinite(v));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {10, 101, 997})
  void classesBalancedAsSklearn(int n) {
    assertArrayEquals(new int[] {n / 2, n - n / 2}, Synthetic.moons(n, 0.2, 1).classCounts());
    assertArrayEquals(new int[] {n / 2, n - n / 2}, Synthetic.circles(n, 0.3, 0, 1).classCounts());
    int[] blobs = Synthetic.blobs(n, 3, 2, 1, 1).classCounts();
    for (int c = 0; c < 3; c++) {
      assertEquals(n / 3 + (c < n % 3 ? 1 : 0), blobs[c]);
    }
    int[] q = Synthetic.gaussianQuantiles(n, 2, 3, 1).classCounts();
    assertArrayEquals(new int[] {n / 3, n / 3, n - 2 * (n / 3)}, q);
    int[] spirals = Synthetic.spirals(n, 4, 0, 1).classCounts();
    for (int c = 0; c < 4; c++) {
      assertEquals(n / 4 + (c < n % 4 ? 1 : 0), spirals[c]);
    }
    int[] xor = Synthetic.xor(n, Synthetic.XorLayout.UNIFORM, 0, 1).classCounts();
    assertTrue(Math.abs(xor[0] - xor[1]) <= 2);
  }

  @Test
  void noiselessGeometry() {
    var m = Synthetic.moons(200, 0, 5);
    for (int i = 0; i < m.rows(); i++) {
      double x = m.feature(i, 0);
      double y = m.feature(i, 1);
      double r = m.labels()[i] == 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      assertEquals(1, r, 1e-6);
    }
    var c = Synthetic.circles(200, 0.4, 0, 5);
    for (int i = 0; i < c.rows(); i++) {
      assertEquals(
          c.labels()[i] == 0 ? 1 : 0.4, Math.hypot(c.feature(i, 0), c.feature(i, 1)), 1e-6);
    }
    var x = Synthetic.xor(400, Synthetic.XorLayout.UNIFORM, 0, 5);
    for (int i = 0; i < x.rows(); i++) {
      float a = x.feature(i, 0);
      float b = x.feature(i, 1);
      assertTrue(Math.abs(a) <= 1 && Math.abs(b) <= 1);
      assertEquals(a * b < 0 ? 1 : 0, x.labels()[i]);
    }
    // Quantile classes: every point of class k is no farther out than every point of class k+1.
    var q = Synthetic.gaussianQuantiles(300, 2, 3, 5);
    double[] maxR = new double[3];
    double[] minR = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
    for (int i = 0; i < q.rows(); i++) {
      double r = Math.hypot(q.feature(i, 0), q.feature(i, 1));
      maxR[q.labels()[i]] = Math.max(maxR[q.labels()[i]], r);
      minR[q.labels()[i]] = Math.min(minR[q.labels()[i]], r);
    }
    assertTrue(maxR[0] <= minR[1] && maxR[1] <= minR[2]);
  }

  @Test
  void blobsClusterAroundTheirCenters() {
    double[][] centers = {{-5, 0}, {5, 5}};
    var b = Synthetic.blobs(2000, centers, 0.5, 9);
    double[][] sum = new double[2][2];
    for (int i = 0; i < b.rows(); i++) {
      sum[b.labels()[i]][0] += b.feature(i, 0);
      sum[b.labels()[i]][1] += b.feature(i, 1);
    }
    for (int k = 0; k < 2; k++) {
      assertEquals(centers[k][0], sum[k][0] / 1000, 0.1);
      assertEquals(centers[k][1], sum[k][1] / 1000, 0.1);
    }
  }

  @Test
  void shuffledNotGrouped() {
    int[] y = Synthetic.moons(100, 0, 3).labels();
    int changes = 0;
    for (int i = 1; i < y.length; i++) {
      changes += y[i] != y[i - 1] ? 1 : 0;
    }
    assertTrue(changes > 20);
  }

  @Test
  void badArgumentsNameTheValue() {
    assertEquals(
        "factor must be in [0, 1), got 1.0",
        assertThrows(IllegalArgumentException.class, () -> Synthetic.circles(10, 1, 0, 1))
            .getMessage());
    assertEquals(
        "noise must be finite and >= 0, got -0.1",
        assertThrows(IllegalArgumentException.class, () -> Synthetic.moons(10, -0.1, 1))
            .getMessage());
    assertEquals(
        "samples must be >= 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> Synthetic.spirals(0, 3, 0, 1))
            .getMessage());
  }
}
