package io.myelin.optim.schedule;

/**
 * A learning rate as a closed-form function of the schedule step: {@code rate(base, t)} is the rate
 * at step {@code t = 0, 1, 2, ...} for a parameter group whose initial rate is {@code base}.
 * Implementations are immutable records, so one schedule can drive several optimizers; a {@link
 * LearningRateScheduler} applies it to an optimizer, counting the steps.
 *
 * <p>A "step" is whatever the caller counts: PyTorch's schedulers are usually stepped once per
 * epoch, warm-up once per batch.
 */
@FunctionalInterface
public interface LearningRateSchedule {

  /** The learning rate at step {@code t >= 0} for initial rate {@code base}. */
  double rate(double base, int t);

  /**
   * This schedule after a linear warm-up of {@code steps} steps from {@code startFactor * base}.
   */
  default LearningRateSchedule afterWarmup(int steps, double startFactor) {
    return new LinearWarmup(steps, startFactor, this);
  }

  /** The constant schedule, {@code rate = base}. */
  static LearningRateSchedule constant() {
    return (base, t) -> base;
  }

  /** Checks shared by the records: names the schedule, the option and the bad value. */
  static void check(boolean ok, String schedule, String option, double value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(
          schedule + ": invalid " + option + " " + value + " (" + rule + ")");
    }
  }
}
