package io.myelin.optim.schedule;

import java.util.Objects;

/**
 * A linear warm-up before another schedule (Goyal et al., "Accurate, Large Minibatch SGD", 2017;
 * PyTorch's {@code LinearLR} chained with {@code SequentialLR}):
 *
 * <pre>
 *   t &lt; steps:   rate = base * (startFactor + (1 - startFactor) * t / steps)
 *   t &gt;= steps:  rate = after.rate(base, t - steps)
 * </pre>
 *
 * so the rate climbs from {@code startFactor * base} to {@code base}, and the wrapped schedule then
 * runs as if it started at step 0.
 *
 * @param steps warm-up length, >= 1
 * @param startFactor fraction of {@code base} at step 0, in [0, 1]
 * @param after the schedule that follows
 */
public record LinearWarmup(int steps, double startFactor, LearningRateSchedule after)
    implements LearningRateSchedule {
  public LinearWarmup {
    LearningRateSchedule.check(steps >= 1, "LinearWarmup", "steps", steps, "must be >= 1");
    LearningRateSchedule.check(
        startFactor >= 0 && startFactor <= 1,
        "LinearWarmup",
        "startFactor",
        startFactor,
        "must be in [0, 1]");
    Objects.requireNonNull(after, "LinearWarmup: the schedule after the warm-up is null");
  }

  @Override
  public double rate(double base, int t) {
    if (t < steps) {
      return base * (startFactor + (1 - startFactor) * t / steps);
    }
    return after.rate(base, t - steps);
  }
}
