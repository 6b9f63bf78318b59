package io.myelin.optim.schedule;

import io.myelin.optim.LearningRateControl;
import java.util.Objects;

/**
 * Lowers the learning rates when a monitored metric stops improving, as PyTorch's {@code
 * ReduceLROnPlateau}. Each {@link #step(double)} (once per epoch, with e.g. the validation loss):
 *
 * <ol>
 *   <li>the metric is "better" than the best so far when, for mode MIN, {@code m < best * (1 -
 *       threshold)} (relative) or {@code m < best - threshold} (absolute); mirrored for MAX;
 *   <li>better: best = m and the bad-epoch count resets, otherwise it grows by one;
 *   <li>during a cool-down (the {@code cooldown} steps after a reduction) bad epochs are not
 *       counted;
 *   <li>when the count exceeds {@code patience}, every group's rate becomes {@code max(lr * factor,
 *       minLr)} (changes smaller than {@code eps} are skipped), the cool-down starts and the count
 *       resets.
 * </ol>
 *
 * <p>Not thread-safe.
 */
public final class ReduceOnPlateau {

  /** Whether a lower or a higher metric is better. */
  public enum Mode {
    MIN,
    MAX
  }

  /** How {@code threshold} is read. */
  public enum ThresholdMode {
    RELATIVE,
    ABSOLUTE
  }

  /**
   * The settings; {@link #defaults()} is PyTorch's (min, factor 0.1, patience 10, relative
   * threshold 1e-4, no cool-down, min lr 0, eps 1e-8).
   *
   * @param mode MIN for losses, MAX for accuracies
   * @param factor multiplier of the rate on a reduction, in (0, 1)
   * @param patience bad epochs tolerated before reducing, >= 0
   * @param threshold least improvement that counts, >= 0
   * @param thresholdMode relative or absolute threshold
   * @param cooldown steps after a reduction during which bad epochs are ignored, >= 0
   * @param minLr the floor of every rate, >= 0
   * @param eps least change of a rate worth applying, >= 0
   */
  public record Options(
      Mode mode,
      double factor,
      int patience,
      double threshold,
      ThresholdMode thresholdMode,
      int cooldown,
      double minLr,
      double eps) {

    public Options {
      Objects.requireNonNull(mode, "ReduceOnPlateau: mode");
      Objects.requireNonNull(thresholdMode, "ReduceOnPlateau: thresholdMode");
      LearningRateSchedule.check(
          factor > 0 && factor < 1, "ReduceOnPlateau", "factor", factor, "must be in (0, 1)");
      LearningRateSchedule.check(
          patience >= 0, "ReduceOnPlateau", "patience", patience, "must be >= 0");
      LearningRateSchedule.check(
          threshold >= 0 && Double.isFinite(threshold),
          "ReduceOnPlateau",
          "threshold",
          threshold,
          "must be finite and >= 0");
      LearningRateSchedule.check(
          cooldown >= 0, "ReduceOnPlateau", "cooldown", cooldown, "must be >= 0");
      LearningRateSchedule.check(
          minLr >= 0 && Double.isFinite(minLr),
          "ReduceOnPlateau",
          "minLr",
          minLr,
          "must be finite and >= 0");
      LearningRateSchedule.check(
          eps >= 0 && Double.isFinite(eps),
          "ReduceOnPlateau",
          "eps",
          eps,
          "must be finite and >= 0");
    }

    public static Options defaults() {
      return new Options(Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.RELATIVE, 0, 0, 1e-8);
    }

    public Options withMode(Mode v) {
      return new Options(v, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    public Options withFactor(double v) {
      return new Options(mode, v, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    public Options withPatience(int v) {
      return new Options(mode, factor, v, threshold, thresholdMode, cooldown, minLr, eps);
    }

    public Options withThreshold(double v, ThresholdMode m) {
      return new Options(mode, factor, patience, v, m, cooldown, minLr, eps);
    }

    public Options withCooldown(int v) {
      return new Options(mode, factor, patience, threshold, thresholdMode, v, minLr, eps);
    }

    public Options withMinLr(double v) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, v, eps);
    }
  }

  private final LearningRateControl optimizer;
  private final Options options;
  private double best;
  private int badEpochs;
  private int cooldownLeft;

  public ReduceOnPlateau(LearningRateControl optimizer, Options options) {
    this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
    this.options = Objects.requireNonNull(options, "options");
    this.best = options.mode() == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
  }

  /**
   * Records one epoch's metric and reduces the rates if it has plateaued.
   *
   * @return true when the rates were reduced by this call
   */
  public boolean step(double metric) {
    if (isBetter(metric)) {
      best = metric;
      badEpochs = 0;
    } else {
      badEpochs++;
    }
    if (cooldownLeft > 0) {
      cooldownLeft--;
      badEpochs = 0;
    }
    if (badEpochs > options.patience()) {
      boolean reduced = reduce();
      cooldownLeft = options.cooldown();
      badEpochs = 0;
      return reduced;
    }
    return false;
  }

  private boolean isBetter(double m) {
    double th = options.threshold();
    boolean relative = options.thresholdMode() == ThresholdMode.RELATIVE;
    if (options.mode() == Mode.MIN) {
      return m < (relative ? best * (1 - th) : best - th);
    }
    return m > (relative ? best * (1 + th) : best + th);
  }

  private boolean reduce() {
    boolean any = false;
    for (int i = 0; i < optimizer.parameterGroupCount(); i++) {
      double old = optimizer.learningRate(i);
      double next = Math.max(old * options.factor(), options.minLr());
      if (old - next > options.eps()) {
        optimizer.setLearningRate(i, next);
        any = true;
      }
    }
    return any;
  }

  /** The best metric seen so far. */
  public double best() {
    return best;
  }

  /** Consecutive epochs without improvement (outside cool-downs). */
  public int badEpochs() {
    return badEpochs;
  }

  /** True while a cool-down is running. */
  public boolean inCooldown() {
    return cooldownLeft > 0;
  }
}
