package io.myelin.optim.schedule;

import io.myelin.optim.LearningRateControl;
import java.util.Objects;

/**
 * Drives the learning rates of an optimizer with a {@link LearningRateSchedule}: it remembers each
 * parameter group's rate at construction as that group's {@code base}, sets the rates for step 0 at
 * once, and each {@link #step()} moves to the next step (PyTorch's {@code scheduler.step()}, called
 * after {@code optimizer.step()}).
 *
 * <pre>{@code
 * var scheduler = new LearningRateScheduler(opt, new CosineAnnealing(100, 0).afterWarmup(5, 0.1));
 * for (int epoch = 0; epoch < 105; epoch++) {
 *   trainOneEpoch(opt);
 *   scheduler.step();
 * }
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public final class LearningRateScheduler {
  private final LearningRateControl optimizer;
  private final LearningRateSchedule schedule;
  private final double[] baseRates;
  private int t;

  public LearningRateScheduler(LearningRateControl optimizer, LearningRateSchedule schedule) {
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.schedule = Objects.requireNonNull(schedule, "schedule");
    int groups = optimizer.parameterGroupCount();
    this.baseRates = new double[groups];
    for (int i = 0; i < groups; i++) {
      baseRates[i] = optimizer.learningRate(i);
    }
    apply();
  }

  /** Advances one step and sets every group's rate to {@code schedule.rate(base, t)}. */
  public void step() {
    t++;
    apply();
  }

  /** The number of {@link #step()} calls so far. */
  public int stepCount() {
    return t;
  }

  /** Jumps to step {@code t} (resuming a run) and applies its rates. */
  public void setStepCount(int t) {
    if (t < 0) {
      throw new IllegalArgumentException("LearningRateScheduler: negative step " + t);
    }
    this.t = t;
    apply();
  }

  /** The rate of group {@code group} at the current step. */
  public double learningRate(int group) {
    return optimizer.learningRate(group);
  }

  private void apply() {
    for (int i = 0; i < baseRates.length; i++) {
      optimizer.setLearningRate(i, schedule.rate(baseRates[i], t));
    }
  }
}
