package io.myelin.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded toy classification sets for tests, demos and decision-boundary plots, following
 * scikit-learn's {@code make_*} generators.
 *
 * <p>Every generator is deterministic for a seed (a {@link SplittableRandom}), returns the samples
 * in shuffled order, and balances classes as scikit-learn does: {@code n / k} samples per class,
 * the first {@code n % k} classes getting one more. Noise is Gaussian with standard deviation
 * {@code noise}, added to each coordinate after the labels are fixed (so noisy points may cross the
 * class boundary). Features are named {@code x0, x1, ...}, classes {@code 0, 1, ...}.
 *
 * <pre>{@code
 * ArrayDataset moons = Synthetic.moons(1000, 0.1, 42); // [1000, 2], classes 0/1, 500 each
 * }</pre>
 */
public final class Synthetic {
  private Synthetic() {}

  /** How {@link #xor} places its points. */
  public enum XorLayout {
    /** Four Gaussian clusters at {@code (+-1, +-1)} with standard deviation {@code noise}. */
    CLUSTERS,
    /** Uniform in each quadrant of the square {@code [-1, 1]^2}, plus Gaussian noise. */
    UNIFORM
  }

  /**
   * Two interleaving half circles (sklearn {@code make_moons}): class 0 on {@code (cos t, sin t)},
   * class 1 on {@code (1 - cos t, 1 - sin t - 0.5)}, {@code t} evenly spaced in {@code [0, pi]};
   * class 0 has {@code n / 2} samples, class 1 the rest.
   */
  public static ArrayDataset moons(int samples, double noise, long seed) {
    check(samples, 2, noise);
    int outer = samples / 2;
    int inner = samples - outer;
    float[] x = new float[samples * 2];
    int[] y = new int[samples];
    for (int i = 0; i < outer; i++) {
      double t = linspace(0, Math.PI, outer, i);
      set(x, i, Math.cos(t), Math.sin(t));
    }
    for (int i = 0; i < inner; i++) {
      double t = linspace(0, Math.PI, inner, i);
      set(x, outer + i, 1 - Math.cos(t), 1 - Math.sin(t) - 0.5);
      y[outer + i] = 1;
    }
    return finish(x, y, 2, 2, noise, seed);
  }

  /**
   * A large circle (class 0, radius 1) around a small one (class 1, radius {@code factor}), as
   * sklearn {@code make_circles}: angles {@code 2 pi i / m} without the endpoint.
   *
   * @param factor the inner radius, in {@code [0, 1)}
   */
  public static ArrayDataset circles(int samples, double factor, double noise, long seed) {
    check(samples, 2, noise);
    if (!(factor >= 0 && factor < 1)) {
      throw new IllegalArgumentException("factor must be in [0, 1), got " + factor);
    }
    int outer = samples / 2;
    int inner = samples - outer;
    float[] x = new float[samples * 2];
    int[] y = new int[samples];
    for (int i = 0; i < outer; i++) {
      double t = 2 * Math.PI * i / outer;
      set(x, i, Math.cos(t), Math.sin(t));
    }
    for (int i = 0; i < inner; i++) {
      double t = 2 * Math.PI * i / inner;
      set(x, outer + i, factor * Math.cos(t), factor * Math.sin(t));
      y[outer + i] = 1;
    }
    return finish(x, y, 2, 2, noise, seed);
  }

  /**
   * Isotropic Gaussian blobs (sklearn {@code make_blobs}): class {@code k} drawn around center
   * {@code k} with standard deviation {@code std}; centers drawn uniformly in {@code [-10,
   * 10]^features}.
   */
  public static ArrayDataset blobs(int samples, int centers, int features, double std, long seed) {
    if (centers < 1 || features < 1) {
      throw new IllegalArgumentException(
          "need at least one center and one feature, got " + centers + " and " + features);
    }
    var rng = new SplittableRandom(seed);
    double[][] c = new double[centers][features];
    for (double[] row : c) {
      for (int j = 0; j < features; j++) {
        row[j] = rng.nextDouble(-10, 10);
      }
    }
    return blobs(samples, c, std, rng.nextLong());
  }

  /**
   * Gaussian blobs around given centers {@code [classes][features]}.
   *
   * @param std standard deviation of every coordinate around its center
   */
  public static ArrayDataset blobs(int samples, double[][] centers, double std, long seed) {
    int k = centers.length;
    check(samples, k, std);
    int d = centers[0].length;
    var rng = new SplittableRandom(seed);
    float[] x = new float[samples * d];
    int[] y = balancedLabels(samples, k);
    for (int i = 0; i < samples; i++) {
      double[] c = centers[y[i]];
      if (c.length != d) {
        throw new IllegalArgumentException(
            "center " + y[i] + " has " + c.length + " coordinates, center 0 has " + d);
      }
      for (int j = 0; j < d; j++) {
        x[i * d + j] = (float) (c[j] + std * rng.nextGaussian());
      }
    }
    return finish(x, y, d, k, 0, rng.nextLong());
  }

  /**
   * Classes separated by concentric quantiles of a standard Gaussian (sklearn {@code
   * make_gaussian_quantiles}): the samples sorted by distance from the origin are cut into {@code
   * classes} consecutive groups, the innermost being class 0.
   */
  public static ArrayDataset gaussianQuantiles(int samples, int features, int classes, long seed) {
    check(samples, classes, 0);
    if (features < 1 || samples < classes) {
      throw new IllegalArgumentException(
          "need at least one feature and one sample per class, got "
              + features
              + " features and "
              + samples
              + " samples for "
              + classes
              + " classes");
    }
    var rng = new SplittableRandom(seed);
    double[] points = new double[samples * features];
    Integer[] order = new Integer[samples];
    double[] radius2 = new double[samples];
    for (int i = 0; i < samples; i++) {
      order[i] = i;
      for (int j = 0; j < features; j++) {
        double v = rng.nextGaussian();
        points[i * features + j] = v;
        radius2[i] += v * v;
      }
    }
    Arrays.sort(order, (a, b) -> Double.compare(radius2[a], radius2[b]));
    // sklearn: n / classes per class in radius order, the remainder all in the last class.
    int step = samples / classes;
    float[] x = new float[samples * features];
    int[] y = new int[samples];
    for (int r = 0; r < samples; r++) {
      int i = order[r];
      for (int j = 0; j < features; j++) {
        x[r * features + j] = (float) points[i * features + j];
      }
      y[r] = Math.min(r / step, classes - 1);
    }
    return finish(x, y, features, classes, 0, rng.nextLong());
  }

  /**
   * The XOR problem: label 1 when the two coordinates have opposite signs, 0 otherwise; {@code n /
   * 4} samples per quadrant (first quadrants get the remainder), so classes are balanced.
   */
  public static ArrayDataset xor(int samples, XorLayout layout, double noise, long seed) {
    check(samples, 2, noise);
    var rng = new SplittableRandom(seed);
    float[] x = new float[samples * 2];
    int[] quadrant = balancedLabels(samples, 4);
    int[] y = new int[samples];
    for (int i = 0; i < samples; i++) {
      double sx = (quadrant[i] & 1) == 0 ? 1 : -1;
      double sy = (quadrant[i] & 2) == 0 ? 1 : -1;
      y[i] = sx * sy < 0 ? 1 : 0;
      if (layout == XorLayout.CLUSTERS) {
        set(x, i, sx + noise * rng.nextGaussian(), sy + noise * rng.nextGaussian());
      } else {
        set(x, i, sx * rng.nextDouble(), sy * rng.nextDouble());
      }
    }
    return finish(x, y, 2, 2, layout == XorLayout.CLUSTERS ? 0 : noise, rng.nextLong());
  }

  /**
   * {@code arms} interleaved spirals (the CS231n toy set): arm {@code k} is {@code r (sin t, cos
   * t)} with {@code r} evenly spaced in {@code [0, 1]} and {@code t = 2 pi k / arms + 4 r}; each
   * arm is one class.
   */
  public static ArrayDataset spirals(int samples, int arms, double noise, long seed) {
    check(samples, arms, noise);
    float[] x = new float[samples * 2];
    int[] y = balancedLabels(samples, arms);
    int[] seen = new int[arms];
    int[] count = new int[arms];
    for (int k : y) {
      count[k]++;
    }
    for (int i = 0; i < samples; i++) {
      int k = y[i];
      double r = linspace(0, 1, count[k], seen[k]++);
      double t = 2 * Math.PI * k / arms + 4 * r;
      set(x, i, r * Math.sin(t), r * Math.cos(t));
    }
    return finish(x, y, 2, arms, noise, seed);
  }

  /** Labels {@code 0, 0, .., 1, 1, ..}: {@code n / k} each, the first {@code n % k} one more. */
  static int[] balancedLabels(int n, int k) {
    int[] y = new int[n];
    int i = 0;
    for (int c = 0; c < k; c++) {
      int m = n / k + (c < n % k ? 1 : 0);
      for (int t = 0; t < m; t++) {
        y[i++] = c;
      }
    }
    return y;
  }

  /** Point {@code i} of {@code m} evenly spaced over {@code [a, b]}, endpoints included. */
  private static double linspace(double a, double b, int m, int i) {
    return m == 1 ? a : a + (b - a) * i / (m - 1);
  }

  private static void set(float[] x, int i, double a, double b) {
    x[2 * i] = (float) a;
    x[2 * i + 1] = (float) b;
  }

  private static void check(int samples, int classes, double noise) {
    if (samples < 1) {
      throw new IllegalArgumentException("samples must be >= 1, got " + samples);
    }
    if (classes < 1) {
      throw new IllegalArgumentException("need at least one class, got " + classes);
    }
    if (!(noise >= 0) || Double.isInfinite(noise)) {
      throw new IllegalArgumentException("noise must be finite and >= 0, got " + noise);
    }
  }

  /** Adds noise, then shuffles rows (Fisher-Yates) so classes are interleaved. */
  private static ArrayDataset finish(
      float[] x, int[] y, int d, int classes, double noise, long seed) {
    var rng = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    if (noise > 0) {
      for (int i = 0; i < x.length; i++) {
        x[i] += (float) (noise * rng.nextGaussian());
      }
    }
    int n = y.length;
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = y[i];
      y[i] = y[j];
      y[j] = t;
      for (int c = 0; c < d; c++) {
        float v = x[i * d + c];
        x[i * d + c] = x[j * d + c];
        x[j * d + c] = v;
      }
    }
    return ArrayDataset.classification(x, n, d, y, classes);
  }
}
