package io.myelin.examples;

import io.myelin.data.MissingValuePolicy;
import io.myelin.data.Task;
import java.nio.file.Path;

/**
 * What the command line says about the data, beyond the dataset's name.
 *
 * @param dataDir folder of IDX files for {@code mnist} / {@code fashion-mnist}, or null for the
 *     default (the embedded sample; {@code /usr/share/datasets/fashion-mnist})
 * @param samples number of points drawn by the synthetic generators
 * @param noise noise of the synthetic generators, or NaN for each generator's default
 * @param target the target column of a {@code csv:} file by name or 1-based number, or null for the
 *     last column
 * @param task CLASSIFY, REGRESS, or AUTO (decide from the target column)
 * @param standardize standardise a {@code csv:} file's features with training-set statistics
 * @param seed seed of the synthetic generators, the shuffles and the splits
 * @param missing what a {@code csv:} file's missing values become (default: an error)
 */
public record DataOptions(
    Path dataDir,
    int samples,
    double noise,
    String target,
    Task task,
    boolean standardize,
    long seed,
    MissingValuePolicy missing) {
  /** Missing values refused (the default). */
  public DataOptions(
      Path dataDir,
      int samples,
      double noise,
      String target,
      Task task,
      boolean standardize,
      long seed) {
    this(dataDir, samples, noise, target, task, standardize, seed, MissingValuePolicy.ERROR);
  }

  public DataOptions {
    java.util.Objects.requireNonNull(missing, "missing");
    if (samples < 1) {
      throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
    }
    if (!Double.isNaN(noise) && !(noise >= 0 && Double.isFinite(noise))) {
      throw new IllegalArgumentException("--noise must be finite and >= 0, got " + noise);
    }
  }

  /** Defaults: 1000 samples, each generator's noise, last column, task detected, seed 0. */
  public static DataOptions defaults() {
    return new DataOptions(null, 1000, Double.NaN, null, Task.AUTO, false, 0);
  }

  public DataOptions withDataDir(Path d) {
    return new DataOptions(d, samples, noise, target, task, standardize, seed, missing);
  }

  public DataOptions withSamples(int n, double noise) {
    return new DataOptions(dataDir, n, noise, target, task, standardize, seed, missing);
  }

  public DataOptions withCsv(String target, Task task, boolean standardize) {
    return new DataOptions(dataDir, samples, noise, target, task, standardize, seed, missing);
  }

  public DataOptions withSeed(long s) {
    return new DataOptions(dataDir, samples, noise, target, task, standardize, s, missing);
  }

  public DataOptions withMissing(MissingValuePolicy m) {
    return new DataOptions(dataDir, samples, noise, target, task, standardize, seed, m);
  }

  double noiseOr(double dflt) {
    return Double.isNaN(noise) ? dflt : noise;
  }
}
