package io.myelin.cli;

import io.myelin.data.MissingValuePolicy;
import io.myelin.data.Task;
import io.myelin.examples.DataOptions;
import io.myelin.examples.Datasets;
import io.myelin.examples.LoadedDataset;
import io.myelin.examples.PreparedData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The options that pick and split the data, shared by {@code train} and {@code evaluate}. */
final class DataArgs {
  static final String DATASETS =
      "diabetes, digits, mnist, fashion-mnist, moons, circles, blobs,"
          + " xor, spirals, quantiles, or csv:PATH";

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Folder of IDX files for mnist / fashion-mnist (default: mnist uses the embedded"
              + " 10,000-image sample, fashion-mnist "
              + "/usr/share/datasets/fashion-mnist).")
  Path dataDir;

  @Option(
      names = "--samples",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Points drawn by the synthetic generators (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--noise",
      paramLabel = "X",
      description =
          "Noise of the synthetic generators (default: moons 0.1, circles 0.05, blobs 1,"
              + " xor 0.3, spirals 0.2).")
  Double noise;

  @Option(
      names = "--target",
      paramLabel = "COLUMN",
      description = "csv: the target column, by name or 1-based number (default: the last column).")
  String target;

  @Option(
      names = "--task",
      paramLabel = "TASK",
      defaultValue = "auto",
      description =
          "csv: classify, regress or auto (default: ${DEFAULT-VALUE}: classify when the"
              + " target is integer-valued with at most 50 distinct values, or text).")
  String task;

  @Option(
      names = "--missing",
      paramLabel = "POLICY",
      defaultValue = "error",
      description =
          "csv: what a missing value (an empty field, NA, N/A, ?, null) becomes: drop (leave the"
              + " row out), mean (the training rows' column mean; the most frequent category), zero, or"
              + " error (default: ${DEFAULT-VALUE}). A missing target can only be dropped.")
  String missing;

  @Option(
      names = "--standardize",
      description =
          "Standardize the features with the training set's mean and std, after the"
              + " dataset's own preprocessing (digits / 16, images / 255) (default: off).")
  boolean standardize;

  @Option(
      names = "--test-split",
      paramLabel = "F",
      defaultValue = "0.2",
      description =
          "Fraction of rows held out for testing, stratified for classification; 0 trains"
              + " on every row (default: ${DEFAULT-VALUE}; datasets with their own test files keep"
              + " them).")
  double testSplit;

  @Option(
      names = "--val-split",
      paramLabel = "F",
      description =
          "Fraction of rows held out for validation (default: 0, or 0.1 with"
              + " --early-stopping).")
  Double valSplit;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Seed of the data generators, shuffles, splits, weights and dropout (default:"
              + " ${DEFAULT-VALUE}).")
  long seed;

  DataOptions options() {
    Task t =
        switch (task.toLowerCase(Locale.ROOT)) {
          case "auto" -> Task.AUTO;
          case "classify", "classification" -> Task.CLASSIFY;
          case "regress", "regression" -> Task.REGRESS;
          default ->
              throw new Errors.BadInputException(
                  "--task must be classify, regress or auto, got '" + task + "'");
        };
    return new DataOptions(
        dataDir,
        samples,
        noise == null ? Double.NaN : noise,
        target,
        t,
        standardize,
        seed,
        missingPolicy());
  }

  private MissingValuePolicy missingPolicy() {
    return switch (missing.toLowerCase(Locale.ROOT)) {
      case "error" -> MissingValuePolicy.ERROR;
      case "drop" -> MissingValuePolicy.DROP_ROW;
      case "mean" -> MissingValuePolicy.MEAN;
      case "zero" -> MissingValuePolicy.ZERO;
      default ->
          throw new Errors.BadInputException(
              "--missing must be drop, mean, zero or error, got '" + missing + "'");
    };
  }

  LoadedDataset load(String name) throws IOException {
    return Datasets.load(name, options());
  }

  /** Loads, splits and preprocesses; {@code earlyStopping} makes the default validation 0.1. */
  PreparedData prepare(String name, boolean earlyStopping) throws IOException {
    checkFraction("--test-split", testSplit);
    double val = valSplit != null ? valSplit : earlyStopping ? 0.1 : 0;
    checkFraction("--val-split", val);
    if (earlyStopping && val == 0) {
      throw new Errors.BadInputException(
          "--early-stopping needs a validation set: give" + " --val-split a fraction above 0");
    }
    return PreparedData.of(load(name), testSplit, val, seed);
  }

  private static void checkFraction(String option, double f) {
    if (!(f >= 0 && f < 1)) {
      throw new Errors.BadInputException(option + " must be in [0, 1), got " + f);
    }
  }
}
