package io.myelin.train;

import io.myelin.nn.Layer;

/**
 * What callbacks see of a running {@link Trainer#fit}: the model, the history so far, counters, and
 * a way to stop.
 */
public final class TrainingState {
  private final Layer model;
  private final History history;
  private final int totalEpochs;
  private int epoch;
  private long step;
  private String stopReason;
  private double learningRate;
  private int batch;
  private int batchesPerEpoch;

  TrainingState(Layer model, History history, int totalEpochs) {
    this.model = model;
    this.history = history;
    this.totalEpochs = totalEpochs;
  }

  public Layer model() {
    return model;
  }

  public History history() {
    return history;
  }

  /** The epoch running or just finished (1-based; 0 before the first). */
  public int epoch() {
    return epoch;
  }

  public int totalEpochs() {
    return totalEpochs;
  }

  /** Optimizer steps taken so far. */
  public long step() {
    return step;
  }

  /**
   * Batches of the current epoch consumed so far (per-batch optimizers; counted from the epoch's
   * start, also when the epoch was resumed in its middle).
   */
  public int batch() {
    return batch;
  }

  /** Batches in an epoch (0 before the first epoch starts). */
  public int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  /** Current learning rate (first parameter group); NaN for optimizers without one. */
  public double learningRate() {
    return learningRate;
  }

  /** Ends training after the current epoch; the reason is reported by {@link #stopReason()}. */
  public void requestStop(String reason) {
    if (stopReason == null) {
      stopReason = reason;
    }
  }

  /** Why training stopped early, or null. */
  public String stopReason() {
    return stopReason;
  }

  boolean stopRequested() {
    return stopReason != null;
  }

  void setEpoch(int epoch) {
    this.epoch = epoch;
  }

  void addStep() {
    step++;
  }

  void setStep(long step) {
    this.step = step;
  }

  void setBatch(int batch) {
    this.batch = batch;
  }

  void setBatchesPerEpoch(int n) {
    this.batchesPerEpoch = n;
  }

  void setLearningRate(double lr) {
    this.learningRate = lr;
  }
}
