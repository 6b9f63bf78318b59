package io.myelin.train;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Tensor;

/**
 * The running sums a {@link TrainingStep} keeps on the device, all float64 scalars: the loss times
 * the batch size and the metric over the finite batches, the samples of those batches and their
 * count, and on the host the number of batches. Adding reads nothing; the getters read the device
 * (one synchronisation each). Not thread-safe.
 */
final class StepSums implements AutoCloseable {
  private final Tensor loss;
  private final Tensor metric;
  private final Tensor counted;
  private final Tensor finite;
  private final Tensor zero;
  private long batches;

  StepSums(Device device) {
    loss = scalar(device);
    metric = scalar(device);
    counted = scalar(device);
    finite = scalar(device);
    zero = scalar(device);
  }

  private static Tensor scalar(Device device) {
    return Tensor.zeros(device, DType.FLOAT64).persist();
  }

  Device device() {
    return loss.device();
  }

  /**
   * Adds one batch of {@code n} samples: its loss (any floating scalar) and metric (or null) count
   * only when {@code batchFinite} (float64 1 or 0) is 1. Call under no-grad.
   */
  void add(Tensor batchFinite, Tensor batchLoss, int n, Tensor batchMetric) {
    // where, not a product: a NaN loss times 0 would still be NaN.
    loss.assign(loss.add(Tensor.where(batchFinite, batchLoss.to(DType.FLOAT64).mul(n), zero)));
    counted.assign(counted.add(batchFinite.mul(n)));
    finite.assign(finite.add(batchFinite));
    if (batchMetric != null) {
      metric.assign(metric.add(Tensor.where(batchFinite, batchMetric.to(DType.FLOAT64), zero)));
    }
  }

  /**
   * Counts a batch on the host: called for every step, since a replayed step runs {@link #add} on
   * the device without passing through the host.
   */
  void countBatch() {
    batches++;
  }

  /** Mean loss per counted sample, NaN when none was counted. */
  double meanLoss() {
    double c = counted.item();
    return c == 0 ? Double.NaN : loss.item() / c;
  }

  long countedSamples() {
    return (long) counted.item();
  }

  /** Batches added since the last reset whose flag was 0. */
  long nonFiniteBatches() {
    return batches - (long) finite.item();
  }

  double metricSum() {
    return metric.item();
  }

  void reset() {
    loss.fill(0);
    metric.fill(0);
    counted.fill(0);
    finite.fill(0);
    batches = 0;
  }

  @Override
  public void close() {
    for (Tensor t : new Tensor[] {loss, metric, counted, finite, zero}) {
      t.close();
    }
  }
}
