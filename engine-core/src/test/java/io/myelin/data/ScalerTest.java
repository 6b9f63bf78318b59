package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScalerTest {
  /** Random columns with different offsets and spreads; column 2 is constant. */
  static float[] matrix(int rows, int cols, long seed) {
    var rng = new SplittableRandom(seed);
    float[] x = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        x[r * cols + c] = c == 2 ? 7.25f : (float) (1000 * c + (c + 1) * rng.nextGaussian());
      }
    }
    return x;
  }

  @ParameterizedTest
  @CsvSource({"1,3", "2,5", "31,3", "257,7"})
  void standardScalerMatchesDoubleLoops(int rows, int cols) {
    float[] x = matrix(rows, cols, rows * 31L + cols);
    int[] train = Splits.random(rows, 0, rows > 2 ? 0.3 : 0, 4).train();
    var s = StandardScaler.fit(x, cols, train);
    for (int c = 0; c < cols; c++) {
      double sum = 0;
      for (int r : train) {
        sum += x[r * cols + c];
      }
      double mean = sum / train.length;
      double ss = 0;
      for (int r : train) {
        ss += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
      }
      double std = Math.sqrt(ss / train.length); // population std, as sklearn
      assertEquals(mean, s.mean()[c], 1e-9 * Math.max(1, Math.abs(mean)));
      double expected = c == 2 || std == 0 ? 1 : std;
      assertEquals(expected, s.scale()[c], 1e-9 * expected);
    }
    float[] y = s.transform(x, rows);
    for (int i = 0; i < x.length; i++) {
      int c = i % cols;
      assertEquals((x[i] - s.mean()[c]) / s.scale()[c], y[i], 1e-5 * Math.max(1, Math.abs(y[i])));
    }
    float[] back = s.inverseTransform(y, rows);
    for (int i = 0; i < x.length; i++) {
      assertEquals(x[i], back[i], 1e-5 * Math.max(1, Math.abs(x[i])));
    }
    // A constant column becomes 0, not NaN.
    assertEquals(0f, y[2]);
  }

  @Test
  void standardizedTrainColumnsHaveZeroMeanUnitVariance() {
    int rows = 500;
    int cols = 4;
    float[] y =
        StandardScaler.fit(matrix(rows, cols, 1), cols).transform(matrix(rows, cols, 1), rows);
    for (int c : new int[] {0, 1, 3}) {
      double m = 0;
      double v = 0;
      for (int r = 0; r < rows; r++) {
        m += y[r * cols + c];
      }
      m /= rows;
      for (int r = 0; r < rows; r++) {
        v += (y[r * cols + c] - m) * (y[r * cols + c] - m);
      }
      assertEquals(0, m, 1e-5);
      assertEquals(1, v / rows, 1e-4);
    }
  }

  @ParameterizedTest
  @CsvSource({"1,3", "13,4", "200,6"})
  void minMaxScalerMatchesDoubleLoops(int rows, int cols) {
    float[] x = matrix(rows, cols, rows + 5L * cols);
    var s = MinMaxScaler.fit(x, cols, null, -1, 2);
    float[] y = s.transform(x, rows);
    for (int c = 0; c < cols; c++) {
      double min = Double.MAX_VALUE;
      double max = -Double.MAX_VALUE;
      for (int r = 0; r < rows; r++) {
        min = Math.min(min, x[r * cols + c]);
        max = Math.max(max, x[r * cols + c]);
      }
      assertEquals(min, s.dataMin()[c]);
      assertEquals(max, s.dataMax()[c]);
      for (int r = 0; r < rows; r++) {
        double expected = max == min ? -1 : -1 + (x[r * cols + c] - min) * 3 / (max - min);
        assertEquals(expected, y[r * cols + c], 1e-5);
      }
    }
    float[] back = s.inverseTransform(y, rows);
    for (int i = 0; i < x.length; i++) {
      assertEquals(x[i], back[i], 1e-4 * Math.max(1, Math.abs(x[i])));
    }
  }

  @Test
  void fitOnTrainOnlyAndRestoreFromStatistics() {
    float[] x = {0, 10, 2, 20, 4, 30, 100, -50};
    var s = StandardScaler.fit(x, 2, new int[] {0, 1, 2});
    assertArrayEquals(new double[] {2, 20}, s.mean());
    var restored = new StandardScaler(s.mean(), s.scale());
    assertArrayEquals(s.transform(x, 4), restored.transform(x, 4));
    var m = MinMaxScaler.fit(x, 2, new int[] {0, 1, 2}, 0, 1);
    assertArrayEquals(new float[] {0, 0, 0.5f, 0.5f, 1, 1, 25, -3}, m.transform(x, 4));
    var data = ArrayDataset.classification(x, 4, 2, new int[] {0, 1, 0, 1}, 2);
    assertArrayEquals(m.transform(x, 4), m.transform(data).features());
  }

  @Test
  void badInputs() {
    assertEquals(
        "non-finite value NaN at row 1, column 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> StandardScaler.fit(new float[] {1, 2, Float.NaN, 3}, 2))
            .getMessage());
    assertEquals(
        "expected [3, 2] = 6 values, got 4",
        assertThrows(
                IllegalArgumentException.class,
                () -> StandardScaler.fit(new float[] {1, 2, 3, 4}, 2).transform(new float[4], 3))
            .getMessage());
    assertEquals(
        "feature range must be finite with low < high, got [1.0, 1.0]",
        assertThrows(
                IllegalArgumentException.class,
                () -> MinMaxScaler.fit(new float[] {1, 2}, 1, null, 1, 1))
            .getMessage());
  }
}
