package io.myelin.optim.schedule;

/**
 * {@code rate = base / (1 + decay * t)}: the 1/t decay of Ng's deep-learning course (there with t
 * the epoch number) and Keras's {@code InverseTimeDecay} with {@code decay_steps = 1}.
 *
 * @param decay decay rate, finite and >= 0
 */
public record InverseTimeDecay(double decay) implements LearningRateSchedule {
  public InverseTimeDecay {
    LearningRateSchedule.check(
        decay >= 0 && Double.isFinite(decay),
        "InverseTimeDecay",
        "decay",
        decay,
        "must be finite and >= 0");
  }

  @Override
  public double rate(double base, int t) {
    return base / (1 + decay * t);
  }
}
