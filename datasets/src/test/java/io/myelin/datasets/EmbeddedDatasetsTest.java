package io.myelin.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Tensor;
import io.myelin.data.ArrayDataset;
import io.myelin.data.TensorDataset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each embedded set loads with the shape, label range and class counts its javadoc documents. The
 * expected figures were measured from the resource files themselves, not from this module's code,
 * with Python's standard library (in src/main/resources/io/myelin/datasets/data):
 *
 * <pre>
 * rows = [l.split(',') for l in gzip.open('digits.csv.gz', 'rt') if l.strip()]
 * Counter(int(r[-1]) for r in rows); sum(int(v) for r in rows for v in r[:-1])
 * d = [l.strip().split(',') for l in open('diabetes.csv')]; Counter(r[-1] for r in d[1:])
 * lb = gzip.open('mnist-sample-labels-idx1-ubyte.gz').read()[8:]; Counter(lb)
 * im = gzip.open('mnist-sample-images-idx3-ubyte.gz').read()[16:]; sum(im); sum(im[:784])
 * </pre>
 */
class EmbeddedDatasetsTest {

  private static int[] histogram(int[] labels, int classes) {
    int[] h = new int[classes];
    for (int l : labels) {
      h[l]++;
    }
    return h;
  }

  private static double sum(float[] x) {
    double s = 0;
    for (float v : x) {
      s += v;
    }
    return s;
  }

  private static void assertRange(float[] x, float lo, float hi) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertEquals(lo, min);
    assertEquals(hi, max);
  }

  @Test
  void digitsAsDocumented() {
    ArrayDataset d = EmbeddedDatasets.digits();
    assertEquals(1797, d.rows());
    assertEquals(64, d.cols());
    assertEquals(10, d.numClasses());
    for (int i = 0; i < 10; i++) {
      assertEquals(String.valueOf(i), d.classNames().get(i), "class " + i + " is the digit " + i);
    }
    assertArrayEquals(
        new int[] {178, 182, 177, 183, 181, 182, 181, 179, 174, 180}, histogram(d.labels(), 10));
    assertRange(d.features(), 0f, 1f);
    // The file's first row: 0,0,5,13,9,1,0,0,... label 0; every pixel divided by 16.
    assertEquals(5 / 16f, d.feature(0, 2));
    assertEquals(13 / 16f, d.feature(0, 3));
    assertEquals(0, d.labels()[0]);
    assertEquals(8, d.labels()[1796]);
    // The sum of all the file's pixel counts is 561718.
    assertEquals(561718 / 16.0, sum(d.features()), 1e-2);
  }

  @Test
  void mnistSampleAsDocumented() {
    ArrayDataset d = EmbeddedDatasets.mnistSample();
    assertEquals(10000, d.rows());
    assertEquals(784, d.cols());
    assertEquals(10, d.numClasses());
    assertArrayEquals(
        new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978},
        histogram(d.labels(), 10));
    assertRange(d.features(), 0f, 1f);
    // The file's pixel bytes sum to 262146600 (a shuffle keeps the sum).
    assertEquals(262146600 / 255.0, sum(d.features()), 1.0);
  }

  @Test
  void mnistSampleIsShuffledReproduciblyPerSeed() {
    ArrayDataset file = EmbeddedDatasets.mnistFileOrder();
    // The file is grouped by label: its first image is a 0 whose bytes sum to 31095.
    assertEquals(0, file.labels()[0]);
    assertEquals(9, file.labels()[9999]);
    float[] first = Arrays.copyOfRange(file.features(), 0, 784);
    assertEquals(31095 / 255.0, sum(first), 1e-3);

    int[] a = EmbeddedDatasets.mnistSample(7).labels();
    assertArrayEquals(a, EmbeddedDatasets.mnistSample(7).labels(), "same seed, same order");
    assertNotEquals(
        Arrays.toString(a), Arrays.toString(EmbeddedDatasets.mnistSample(8).labels()), "seed 8");
    int changes = 0;
    for (int i = 1; i < 100; i++) {
      changes += a[i] != a[i - 1] ? 1 : 0;
    }
    assertTrue(changes > 50, "the first 100 labels change " + changes + " times: not shuffled");
  }

  @Test
  void diabetesAsDocumented() {
    ArrayDataset d = EmbeddedDatasets.diabetes();
    assertEquals(768, d.rows());
    assertEquals(8, d.cols());
    assertEquals(
        List.of(
            "Pregnancies",
            "Glucose",
            "BloodPressure",
            "SkinThickness",
            "Insulin",
            "BMI",
            "DiabetesPedigreeFunction",
            "Age"),
        d.featureNames());
    assertEquals(List.of("0", "1"), d.classNames());
    assertArrayEquals(new int[] {500, 268}, histogram(d.labels(), 2));
    // The file's first row: 6,148,72,35,0,33.6,0.627,50,1 (raw, unscaled).
    float[] row0 = Arrays.copyOfRange(d.features(), 0, 8);
    assertArrayEquals(new float[] {6, 148, 72, 35, 0, 33.6f, 0.627f, 50}, row0);
    assertEquals(1, d.labels()[0]);
    // Glucose over all rows sums to 92847 in the file.
    double glucose = 0;
    for (int r = 0; r < d.rows(); r++) {
      glucose += d.feature(r, 1);
    }
    assertEquals(92847.0, glucose, 1e-6);
  }

  @Test
  void imagesAreNByOneByHByW() {
    TensorDataset t = EmbeddedDatasets.digitsImages();
    try (Tensor x = t.features();
        Tensor y = t.targets()) {
      assertArrayEquals(new int[] {1797, 1, 8, 8}, x.shape());
      assertEquals(io.myelin.DType.FLOAT32, x.dtype());
      assertArrayEquals(new int[] {1797}, y.shape());
      assertEquals(io.myelin.DType.INT32, y.dtype());
      ArrayDataset flat = EmbeddedDatasets.digits();
      // Pixel (r, c) of image n is feature 8r + c of row n.
      assertEquals(flat.feature(5, 8 * 3 + 4), x.toFloatArray()[5 * 64 + 3 * 8 + 4]);
      assertArrayEquals(flat.labels(), y.toIntArray());
    }
  }
}
