package io.myelin.backend;

/**
 * The sizes and scalars of one {@link Backend#batchNorm} / {@link Backend#batchNormBackward} call:
 * the input is a contiguous {@code [batch, channels, spatial]} block ({@code spatial = 1} for
 * {@code N x D}, {@code H * W} for {@code N x C x H x W}), normalised per channel over the {@code m
 * = batch * spatial} elements of that channel.
 *
 * @param batch N, at least 1 (batch statistics of nothing are undefined)
 * @param channels C (or D), at least 1
 * @param spatial elements per (sample, channel), at least 1
 * @param training batch statistics (and the running-statistics update) rather than the running
 *     statistics
 * @param momentum weight of the batch statistic in the running average, in [0, 1]
 * @param eps added to the variance, positive
 */
public record BatchNormOptions(
    int batch, int channels, int spatial, boolean training, double momentum, double eps) {

  public BatchNormOptions {
    if (batch < 1 || channels < 1 || spatial < 1) {
      throw new IllegalArgumentException(
          "batchNorm: need batch >= 1, channels >= 1, spatial >= 1,"
              + " got ["
              + batch
              + ", "
              + channels
              + ", "
              + spatial
              + "]");
    }
    Math.multiplyExact(Math.multiplyExact(batch, channels), spatial);
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException("batchNorm: momentum must be in [0, 1], got " + momentum);
    }
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("batchNorm: eps must be positive and finite, got " + eps);
    }
  }

  /** Elements per channel, {@code batch * spatial}. */
  public int perChannel() {
    return batch * spatial;
  }

  /** Elements of the input, {@code batch * channels * spatial}. */
  public int size() {
    return batch * channels * spatial;
  }
}
