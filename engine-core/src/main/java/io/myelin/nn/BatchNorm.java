package io.myelin.nn;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import java.util.Arrays;

/**
 * Batch normalisation over every dim but the channel dim 1, as PyTorch's {@code _BatchNorm}: {@code
 * y = (x - mean) / sqrt(var + eps) * weight + bias}, per channel.
 *
 * <p>In training (or always, without running statistics) mean and the biased variance come from the
 * batch, and the running statistics are updated as PyTorch does: {@code running_mean = (1 -
 * momentum) running_mean + momentum mean}, {@code running_var = (1 - momentum) running_var +
 * momentum var_unbiased} (n / (n - 1) times the biased variance, n = elements per channel), and
 * {@code num_batches_tracked += 1}. In evaluation the running statistics are used. The backward
 * comes from autograd over the composed ops (a fused backend primitive may replace it later).
 *
 * <p>State-dict keys: {@code weight}, {@code bias} (when affine), {@code running_mean}, {@code
 * running_var}, {@code num_batches_tracked} (int32 here; int64 in PyTorch) when tracking. {@code
 * momentum} must be in [0, 1]; PyTorch's cumulative average ({@code momentum=None}) is not
 * supported.
 */
public abstract sealed class BatchNorm extends Layer permits BatchNorm1d, BatchNorm2d {
  /** PyTorch's defaults. */
  public static final double DEFAULT_EPS = 1e-5;

  public static final double DEFAULT_MOMENTUM = 0.1;

  private final int numFeatures;
  private final double eps;
  private final double momentum;
  private final boolean affine;
  private final boolean trackRunningStats;

  BatchNorm(
      int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
    if (numFeatures < 1) {
      throw new IllegalArgumentException(name() + ": numFeatures must be >= 1, got " + numFeatures);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException(name() + ": eps must be > 0, got " + eps);
    }
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException(name() + ": momentum must be in [0, 1], got " + momentum);
    }
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    var device = Tensor.defaultDevice();
    if (affine) {
      registerParameter("weight", Tensor.full(device, DType.FLOAT32, 1, numFeatures));
      registerParameter("bias", Tensor.full(device, DType.FLOAT32, 0, numFeatures));
    }
    if (trackRunningStats) {
      registerBuffer("running_mean", Tensor.full(device, DType.FLOAT32, 0, numFeatures));
      registerBuffer("running_var", Tensor.full(device, DType.FLOAT32, 1, numFeatures));
      registerBuffer("num_batches_tracked", Tensor.full(device, DType.INT32, 0));
    }
  }

  private String name() {
    return getClass().getSimpleName();
  }

  /** Throws unless {@code input} has a rank this variant accepts. */
  abstract void checkRank(Tensor input);

  public int numFeatures() {
    return numFeatures;
  }

  public double eps() {
    return eps;
  }

  public double momentum() {
    return momentum;
  }

  public boolean affine() {
    return affine;
  }

  public boolean trackRunningStats() {
    return trackRunningStats;
  }

  /** Gamma {@code [C]}, or null when not affine. */
  public Tensor weight() {
    return affine ? parameter("weight") : null;
  }

  /** Beta {@code [C]}, or null when not affine. */
  public Tensor bias() {
    return affine ? parameter("bias") : null;
  }

  /** {@code [C]}, or null when not tracking. */
  public Tensor runningMean() {
    return trackRunningStats ? buffer("running_mean") : null;
  }

  /** {@code [C]} (unbiased), or null when not tracking. */
  public Tensor runningVar() {
    return trackRunningStats ? buffer("running_var") : null;
  }

  /** Training forwards so far (a shape-[] int32 tensor), or null when not tracking. */
  public Tensor numBatchesTracked() {
    return trackRunningStats ? buffer("num_batches_tracked") : null;
  }

  @Override
  public Tensor forward(Tensor x) {
    checkRank(x);
    if (x.size(1) != numFeatures) {
      throw new IllegalArgumentException(
          name()
              + "("
              + numFeatures
              + "): input shape "
              + Arrays.toString(x.shape())
              + " has "
              + x.size(1)
              + " channels in dim 1");
    }
    boolean batchStatistics = isTraining() || !trackRunningStats;
    if (isTraining() && x.numel() / numFeatures <= 1) {
      throw new IllegalArgumentException(
          name()
              + ": expected more than 1 value per channel when"
              + " training, got input shape "
              + Arrays.toString(x.shape()));
    }
    if (x.numel() > 0 && sameDtype(x)) {
      // One backend call each way; in training it also updates the running statistics.
      boolean update = isTraining() && trackRunningStats;
      Tensor y =
          FusedLayers.batchNorm(
              x,
              batchStatistics,
              momentum,
              eps,
              weight(),
              bias(),
              batchStatistics && !update ? null : runningMean(),
              batchStatistics && !update ? null : runningVar());
      if (update) {
        countBatch();
      }
      return y;
    }
    int[] dims = new int[x.rank() - 1];
    dims[0] = 0;
    for (int d = 2; d < x.rank(); d++) {
      dims[d - 1] = d;
    }
    // [C] parameters broadcast against [N, C, ...] as [1, C, 1, ...].
    int[] channelShape = new int[x.rank()];
    Arrays.fill(channelShape, 1);
    channelShape[1] = numFeatures;
    Tensor y;
    if (batchStatistics) {
      long n = x.numel() / numFeatures;
      Tensor mean = x.mean(dims, true);
      Tensor centered = x.sub(mean);
      Tensor var = centered.square().mean(dims, true);
      y = centered.div(var.add(eps).sqrt());
      if (isTraining() && trackRunningStats) {
        updateRunningStats(mean.reshape(numFeatures), var.reshape(numFeatures), n);
      }
    } else {
      Tensor rm = runningMean().reshape(channelShape);
      Tensor rv = runningVar().reshape(channelShape);
      y = x.sub(rm).div(rv.add(eps).sqrt());
    }
    if (affine) {
      y = y.mul(weight().reshape(channelShape)).add(bias().reshape(channelShape));
    }
    return y;
  }

  private void updateRunningStats(Tensor mean, Tensor biasedVar, long n) {
    try (var ignored = Autograd.noGrad()) {
      Tensor rm = runningMean();
      Tensor rv = runningVar();
      Tensor newMean = rm.mul(1 - momentum).add(mean.mul(momentum));
      Tensor newVar = rv.mul(1 - momentum).add(biasedVar.mul(momentum * n / (n - 1.0)));
      rm.assign(newMean);
      rv.assign(newVar);
      newMean.close();
      newVar.close();
    }
    countBatch();
  }

  /** num_batches_tracked += 1. */
  private void countBatch() {
    try (var ignored = Autograd.noGrad()) {
      // Integer arithmetic is not a tensor op: count in float64 on the device (exact to 2^53),
      // so no host synchronisation is needed per step.
      Tensor count = numBatchesTracked();
      Tensor next = count.to(DType.FLOAT64).add(1.0);
      count.assign(next);
      next.close();
    }
  }

  /**
   * The fused primitive wants one dtype for the input, the affine parameters and the running
   * statistics (a float64 input against float32 buffers takes the composed path).
   */
  private boolean sameDtype(Tensor x) {
    DType dt = x.dtype();
    return dt.isFloating()
        && (!affine || (weight().dtype() == dt && bias().dtype() == dt))
        && (!trackRunningStats || (runningMean().dtype() == dt && runningVar().dtype() == dt));
  }

  @Override
  protected String extraRepr() {
    return numFeatures
        + ", eps="
        + eps
        + ", momentum="
        + momentum
        + ", affine="
        + affine
        + ", trackRunningStats="
        + trackRunningStats;
  }
}
