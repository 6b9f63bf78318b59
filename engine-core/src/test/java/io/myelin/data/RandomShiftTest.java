package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * RandomShift against torchvision's definition written out directly: pad every side with {@code s}
 * fill pixels, crop the original size at top {@code s - dy}, left {@code s - dx}.
 */
class RandomShiftTest {

  /** The reference: explicit padding, then a crop, in float64. */
  private static double[] padAndCrop(
      float[] image, int c, int h, int w, int s, float[] fill, int dy, int dx) {
    int ph = h + 2 * s;
    int pw = w + 2 * s;
    double[] out = new double[c * h * w];
    for (int ch = 0; ch < c; ch++) {
      double[][] padded = new double[ph][pw];
      for (int i = 0; i < ph; i++) {
        for (int j = 0; j < pw; j++) {
          int ii = i - s;
          int jj = j - s;
          boolean inside = ii >= 0 && ii < h && jj >= 0 && jj < w;
          // Outside the image the padding holds the fill of the output pixel it lands on.
          padded[i][j] = inside ? image[(ch * h + ii) * w + jj] : Double.NaN;
        }
      }
      int top = s - dy;
      int left = s - dx;
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          double v = padded[top + i][left + j];
          out[(ch * h + i) * w + j] = Double.isNaN(v) ? fill[(ch * h + i) * w + j] : v;
        }
      }
    }
    return out;
  }

  private static float[] random(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextDouble(-1, 1);
    }
    return x;
  }

  private static void checkAgainstReference(int c, int h, int w, int s, boolean withFill) {
    int cols = c * h * w;
    int rows = 37;
    float[] fill = withFill ? random(5, cols) : new float[cols];
    RandomShift shift = new RandomShift(s, c, h, w, withFill ? fill : null, 42);
    float[] x = random(c * 1000L + h * 100L + w * 10L + s, rows * cols);
    float[] y = x.clone();
    shift.apply(y, rows, cols, 3, 11);
    int[][] d = shift.shifts(rows, 3, 11);
    for (int n = 0; n < rows; n++) {
      assertTrue(Math.abs(d[n][0]) <= s && Math.abs(d[n][1]) <= s, Arrays.toString(d[n]));
      double[] expected =
          padAndCrop(
              Arrays.copyOfRange(x, n * cols, (n + 1) * cols), c, h, w, s, fill, d[n][0], d[n][1]);
      for (int k = 0; k < cols; k++) {
        assertEquals(
            expected[k],
            y[n * cols + k],
            0.0,
            c + "x" + h + "x" + w + " shift " + s + ": image " + n + ", feature " + k);
      }
    }
  }

  @Test
  void matchesPaddingThenCroppingOnAwkwardSizes() {
    checkAgainstReference(1, 28, 28, 2, false);
    checkAgainstReference(3, 5, 7, 2, true); // channels move together, per-feature fill
    checkAgainstReference(2, 1, 1, 1, true); // 1x1 images: any shift but 0 empties them
    checkAgainstReference(1, 3, 4, 5, false); // shifts beyond the image size: all fill
    checkAgainstReference(1, 8, 8, 1, true);
  }

  @Test
  void shiftsAreUniformOverTheRangeAndIndependentPerAxis() {
    RandomShift shift = new RandomShift(2, 1, 28, 28, null, 7);
    int[][] counts = new int[5][5];
    int total = 0;
    for (int batch = 0; batch < 100; batch++) {
      for (int[] d : shift.shifts(250, 0, batch)) {
        counts[d[0] + 2][d[1] + 2]++;
        total++;
      }
    }
    // 25,000 draws over 25 cells: 1,000 expected per cell, sd about 31; 6 sd apart is a defect.
    for (int[] row : counts) {
      for (int n : row) {
        assertEquals(total / 25.0, n, 190, Arrays.deepToString(counts));
      }
    }
  }

  @Test
  void deterministicPerSeedEpochAndBatch() {
    RandomShift a = new RandomShift(3, 1, 10, 10, null, 1);
    RandomShift b = new RandomShift(3, 1, 10, 10, null, 1);
    assertArrayEquals(a.shifts(64, 2, 5), b.shifts(64, 2, 5));
    assertFalse(Arrays.deepEquals(a.shifts(64, 2, 5), a.shifts(64, 3, 5)), "epoch");
    assertFalse(Arrays.deepEquals(a.shifts(64, 2, 5), a.shifts(64, 2, 6)), "batch");
    assertFalse(
        Arrays.deepEquals(
            a.shifts(64, 2, 5), new RandomShift(3, 1, 10, 10, null, 2).shifts(64, 2, 5)),
        "seed");
    float[] x = random(3, 4 * 100);
    float[] y1 = x.clone();
    float[] y2 = x.clone();
    a.apply(y1, 4, 100, 2, 5);
    b.apply(y2, 4, 100, 2, 5);
    assertArrayEquals(y1, y2);
    assertFalse(Arrays.equals(x, y1));
  }

  @Test
  void zeroShiftLeavesRowsAndBadArgumentsAreRefused() {
    float[] x = random(9, 3 * 16);
    float[] y = x.clone();
    new RandomShift(0, 1, 4, 4, null, 0).apply(y, 3, 16, 0, 0);
    assertArrayEquals(x, y);
    assertEquals(
        "RandomShift: maxShift must be >= 0, got -1",
        assertThrows(IllegalArgumentException.class, () -> new RandomShift(-1, 1, 4, 4, null, 0))
            .getMessage());
    assertEquals(
        "RandomShift: fill has 3 values, the image 16",
        assertThrows(
                IllegalArgumentException.class, () -> new RandomShift(1, 1, 4, 4, new float[3], 0))
            .getMessage());
    assertEquals(
        "RandomShift: rows of 15 features are not 1x4x4 images",
        assertThrows(
                IllegalArgumentException.class,
                () -> new RandomShift(1, 1, 4, 4, null, 0).apply(new float[15], 1, 15, 0, 0))
            .getMessage());
  }
}
