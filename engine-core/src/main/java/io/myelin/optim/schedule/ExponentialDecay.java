package io.myelin.optim.schedule;

/**
 * {@code rate = base * gamma^t}, as PyTorch's {@code ExponentialLR}.
 *
 * @param gamma factor per step, finite and > 0
 */
public record ExponentialDecay(double gamma) implements LearningRateSchedule {
  public ExponentialDecay {
    LearningRateSchedule.check(
        gamma > 0 && Double.isFinite(gamma),
        "ExponentialDecay",
        "gamma",
        gamma,
        "must be finite and > 0");
  }

  @Override
  public double rate(double base, int t) {
    return base * Math.pow(gamma, t);
  }
}
