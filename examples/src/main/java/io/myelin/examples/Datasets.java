package io.myelin.examples;

import io.myelin.data.ArrayDataset;
import io.myelin.data.CsvOptions;
import io.myelin.data.CsvReader;
import io.myelin.data.IdxReader;
import io.myelin.data.Synthetic;
import io.myelin.datasets.EmbeddedDatasets;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The datasets the command line knows by name, each with its documented preprocessing.
 *
 * <p>The embedded sets come from myelin-datasets ({@link EmbeddedDatasets}), which documents them.
 *
 * <table>
 *   <caption>Built-in datasets</caption>
 *   <tr><th>name<th>what<th>preprocessing
 *   <tr><td>diabetes<td>Pima Indians diabetes, 768 x 8, 2 classes (embedded)
 *       <td>none: raw values, as in the course notebook (standardised inputs let the notebook's
 *       700 full-batch Adam epochs overfit the 614 training rows to 100% and test lower)
 *   <tr><td>digits<td>UCI 8x8 digits, 1797 x 64, 10 classes (embedded)<td>pixels / 16
 *   <tr><td>mnist<td>IDX files from --data DIR, else the embedded 10,000-image sample (shuffled)
 *       <td>pixels / 255
 *   <tr><td>fashion-mnist<td>IDX files from --data DIR, default /usr/share/datasets/fashion-mnist
 *       <td>pixels / 255
 *   <tr><td>moons, circles, blobs, xor, spirals, quantiles<td>synthetic, 2-D (--samples, --noise)
 *       <td>none
 *   <tr><td>csv:PATH<td>any CSV (--target, --task)<td>none
 * </table>
 *
 * <p>{@code --standardize} adds standardisation with the training set's mean and std to any of
 * them.
 */
public final class Datasets {
  /** Where the Debian package {@code dataset-fashion-mnist} installs its files. */
  public static final Path FASHION_DEFAULT = Path.of("/usr/share/datasets/fashion-mnist");

  /** The names accepted besides {@code csv:PATH}, in the order {@code --help} lists them. */
  public static final List<String> NAMES =
      List.of(
          "diabetes",
          "digits",
          "mnist",
          "fashion-mnist",
          "moons",
          "circles",
          "blobs",
          "xor",
          "spirals",
          "quantiles");

  static final List<String> FASHION_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  private Datasets() {}

  /**
   * Loads a dataset by name.
   *
   * @throws IllegalArgumentException for an unknown name, naming the known ones
   * @throws IOException for a missing, unreadable or malformed file (the message names it)
   */
  public static LoadedDataset load(String name, DataOptions o) throws IOException {
    if (name.startsWith("csv:")) {
      return csv(name, Path.of(name.substring(4)), o);
    }
    LoadedDataset d = builtIn(name, o);
    return o.standardize()
        ? new LoadedDataset(
            d.name(), d.data(), d.fixedTest(), d.preprocessing(), true, d.description())
        : d;
  }

  private static LoadedDataset builtIn(String name, DataOptions o) throws IOException {
    long seed = o.seed();
    return switch (name) {
      case "diabetes" ->
          new LoadedDataset(
              name,
              EmbeddedDatasets.diabetes(),
              null,
              Preprocessing.none(),
              false,
              "Pima Indians diabetes (embedded), 768 x 8, 2 classes");
      case "digits" ->
          new LoadedDataset(
              name,
              EmbeddedDatasets.digits(),
              null,
              Preprocessing.divideBy(16),
              false,
              "UCI digits 8x8 (embedded), 1797 x 64, 10 classes");
      case "mnist" -> o.dataDir() == null ? mnistSample(seed) : idx(name, o.dataDir(), null);
      case "fashion-mnist" ->
          idx(name, o.dataDir() == null ? FASHION_DEFAULT : o.dataDir(), FASHION_CLASSES);
      case "moons" -> synthetic(name, Synthetic.moons(o.samples(), o.noiseOr(0.1), seed), o, 0.1);
      case "circles" ->
          synthetic(name, Synthetic.circles(o.samples(), 0.5, o.noiseOr(0.05), seed), o, 0.05);
      case "blobs" ->
          synthetic(name, Synthetic.blobs(o.samples(), 3, 2, o.noiseOr(1.0), seed), o, 1.0);
      case "xor" ->
          synthetic(
              name,
              Synthetic.xor(o.samples(), Synthetic.XorLayout.CLUSTERS, o.noiseOr(0.3), seed),
              o,
              0.3);
      case "spirals" ->
          synthetic(name, Synthetic.spirals(o.samples(), 3, o.noiseOr(0.2), seed), o, 0.2);
      case "quantiles" -> {
        if (!Double.isNaN(o.noise())) {
          throw new IllegalArgumentException("quantiles has no noise: leave out --noise");
        }
        yield new LoadedDataset(
            name,
            Synthetic.gaussianQuantiles(o.samples(), 2, 3, seed),
            null,
            Preprocessing.none(),
            false,
            "Gaussian quantiles (synthetic), " + o.samples() + " x 2, 3 classes");
      }
      default ->
          throw new IllegalArgumentException(
              "unknown dataset '"
                  + name
                  + "'; expected one of "
                  + String.join(", ", NAMES)
                  + ", or csv:PATH");
    };
  }

  private static LoadedDataset synthetic(String name, ArrayDataset d, DataOptions o, double noise) {
    return new LoadedDataset(
        name,
        d,
        null,
        Preprocessing.none(),
        false,
        name
            + " (synthetic, noise "
            + Report.num(o.noiseOr(noise))
            + "), "
            + d.rows()
            + " x "
            + d.cols()
            + ", "
            + d.numClasses()
            + " classes");
  }

  private static LoadedDataset csv(String name, Path path, DataOptions o) throws IOException {
    if (path.toString().isEmpty()) {
      throw new IllegalArgumentException("csv: needs a path, e.g. csv:data/heart.csv");
    }
    CsvOptions opts = CsvOptions.defaults().withTask(o.task()).withMissing(o.missing());
    if (o.target() != null) {
      String t = o.target();
      opts = t.matches("[0-9]+") ? opts.withTarget(Integer.parseInt(t) - 1) : opts.withTarget(t);
    }
    ArrayDataset d = CsvReader.read(path, opts);
    if (!d.isClassification() && !d.isRegression()) {
      throw new IllegalArgumentException(path + ": no target column");
    }
    String kind = d.isClassification() ? d.numClasses() + " classes" : "regression";
    return new LoadedDataset(
        name,
        d,
        null,
        Preprocessing.none(),
        o.standardize(),
        path.getFileName() + ", " + d.rows() + " x " + d.cols() + ", " + kind);
  }

  /**
   * The embedded MNIST sample (myelin-datasets), in the order {@code seed} draws: the file is
   * grouped by label.
   */
  private static LoadedDataset mnistSample(long seed) {
    return new LoadedDataset(
        "mnist",
        EmbeddedDatasets.mnistSample(seed),
        null,
        Preprocessing.divideBy(255),
        false,
        "MNIST sample (embedded), 10000 x 784, 10 classes");
  }

  /**
   * IDX files in {@code dir}: {@code train-images-idx3-ubyte[.gz]} and its labels, with {@code
   * t10k-*} as the test set when present; or a single {@code images-idx3-ubyte[.gz]} pair.
   */
  private static LoadedDataset idx(String name, Path dir, List<String> classes) throws IOException {
    if (!Files.isDirectory(dir)) {
      String how =
          name.equals("fashion-mnist")
              ? ": install it with `apt-get install dataset-fashion-mnist`, or pass --data DIR holding "
                  + "train-images-idx3-ubyte.gz and the other IDX files"
              : ": pass --data DIR holding train-images-idx3-ubyte[.gz] and the other IDX files";
      throw new FileNotFoundException(name + " not found: no folder " + dir + how);
    }
    Path trainImages = find(dir, "train-images-idx3-ubyte", "images-idx3-ubyte");
    Path trainLabels = find(dir, "train-labels-idx1-ubyte", "labels-idx1-ubyte");
    ArrayDataset train = IdxReader.readDataset(trainImages, trainLabels, classes);
    ArrayDataset test = null;
    Path testImages = findOptional(dir, "t10k-images-idx3-ubyte");
    if (testImages != null) {
      test = IdxReader.readDataset(testImages, find(dir, "t10k-labels-idx1-ubyte"), classes);
    }
    String what = name.equals("mnist") ? "MNIST" : "Fashion-MNIST";
    return new LoadedDataset(
        name,
        train,
        test,
        Preprocessing.divideBy(255),
        false,
        what
            + " from "
            + dir
            + ", "
            + train.rows()
            + (test == null ? "" : " + " + test.rows())
            + " x "
            + train.cols()
            + ", "
            + train.numClasses()
            + " classes");
  }

  private static Path find(Path dir, String... stems) throws IOException {
    Path p = findOptional(dir, stems);
    if (p == null) {
      throw new NoSuchFileException(dir.resolve(stems[0] + "[.gz]").toString());
    }
    return p;
  }

  private static Path findOptional(Path dir, String... stems) {
    for (String stem : stems) {
      for (String suffix : new String[] {"", ".gz"}) {
        Path p = dir.resolve(stem + suffix);
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
    }
    return null;
  }
}
