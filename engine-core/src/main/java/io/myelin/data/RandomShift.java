package io.myelin.data;

import java.util.SplittableRandom;

/**
 * Random translation of image rows by whole pixels, as torchvision's {@code RandomCrop(size,
 * padding=maxShift)} (pad every side with {@code maxShift} fill values, crop the original size at a
 * uniformly random position): each image of each batch moves by {@code (dy, dx)}, both drawn
 * uniformly from {@code -maxShift..maxShift}, and the pixels that enter from outside take the fill
 * value. All channels of an image move together.
 *
 * <p>Rows are images {@code [channels, height, width]} flattened row-major (the layout of the CLI's
 * image datasets). {@code fill} is the value of an empty pixel as the model sees it: 0 for images
 * divided by 255, or per feature when the features were standardized (the standardized value of a
 * raw 0).
 *
 * <p>Deterministic: the shifts of batch {@code b} of epoch {@code e} come from a generator seeded
 * by {@code (seed, e, b)} alone ({@link #shifts}), so prefetching and resuming do not change them.
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * var shift = new RandomShift(2, 1, 28, 28, null, seed);
 * var loader = new DataLoader(train, DataLoader.Options.batches(128).shuffled(seed).augmented(shift), dev);
 * }</pre>
 */
public final class RandomShift implements BatchAugmentation {
  private final int maxShift;
  private final int channels;
  private final int height;
  private final int width;
  private final float[] fill;
  private final long seed;

  /**
   * @param maxShift largest shift in pixels along each axis, {@code >= 0} (0 leaves rows as they
   *     are)
   * @param channels channels per image
   * @param height image height
   * @param width image width
   * @param fill per-feature value of an empty pixel ({@code channels * height * width} values), or
   *     null for 0
   * @param seed seed of the shifts
   */
  public RandomShift(int maxShift, int channels, int height, int width, float[] fill, long seed) {
    if (maxShift < 0) {
      throw new IllegalArgumentException("RandomShift: maxShift must be >= 0, got " + maxShift);
    }
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "RandomShift: image sizes must be positive, got "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    int size = Math.multiplyExact(channels, Math.multiplyExact(height, width));
    if (fill != null && fill.length != size) {
      throw new IllegalArgumentException(
          "RandomShift: fill has " + fill.length + " values, the image " + size);
    }
    this.maxShift = maxShift;
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.fill = fill == null ? new float[size] : fill.clone();
    this.seed = seed;
  }

  public int maxShift() {
    return maxShift;
  }

  /**
   * The shifts of batch {@code batch} of epoch {@code epoch}: {@code [rows][2]} as {@code (dy,
   * dx)}; output pixel {@code (i, j)} is input pixel {@code (i - dy, j - dx)}.
   */
  public int[][] shifts(int rows, int epoch, int batch) {
    SplittableRandom r = new SplittableRandom(mix(mix(mix(seed) ^ epoch) ^ batch));
    int[][] s = new int[rows][2];
    for (int n = 0; n < rows; n++) {
      s[n][0] = r.nextInt(2 * maxShift + 1) - maxShift;
      s[n][1] = r.nextInt(2 * maxShift + 1) - maxShift;
    }
    return s;
  }

  @Override
  public void apply(float[] features, int rows, int cols, int epoch, int batch) {
    int plane = height * width;
    if (cols != channels * plane) {
      throw new IllegalArgumentException(
          "RandomShift: rows of "
              + cols
              + " features are not "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " images");
    }
    if (maxShift == 0) {
      return;
    }
    int[][] s = shifts(rows, epoch, batch);
    float[] image = new float[cols];
    for (int n = 0; n < rows; n++) {
      int base = n * cols;
      System.arraycopy(features, base, image, 0, cols);
      System.arraycopy(fill, 0, features, base, cols);
      int dy = s[n][0];
      int dx = s[n][1];
      // Output rows i with 0 <= i - dy < height, columns j with 0 <= j - dx < width.
      int i0 = Math.max(0, dy);
      int i1 = Math.min(height, height + dy);
      int j0 = Math.max(0, dx);
      int j1 = Math.min(width, width + dx);
      if (i0 >= i1 || j0 >= j1) {
        continue; // shifted entirely out (maxShift >= the image size): all fill
      }
      for (int c = 0; c < channels; c++) {
        for (int i = i0; i < i1; i++) {
          int out = base + c * plane + i * width;
          int in = c * plane + (i - dy) * width;
          System.arraycopy(image, in + j0 - dx, features, out + j0, j1 - j0);
        }
      }
    }
  }

  /** A 64-bit finaliser (MurmurHash3's fmix64): nearby seeds give unrelated generators. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  @Override
  public String toString() {
    return "RandomShift[maxShift=" + maxShift + ", " + channels + "x" + height + "x" + width + "]";
  }
}
