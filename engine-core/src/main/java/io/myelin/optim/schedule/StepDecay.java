package io.myelin.optim.schedule;

/**
 * Multiplies the rate by {@code gamma} every {@code stepSize} steps, as PyTorch's {@code StepLR}:
 * {@code rate = base * gamma^floor(t / stepSize)}.
 *
 * @param stepSize steps between decays, >= 1
 * @param gamma decay factor, finite and > 0
 */
public record StepDecay(int stepSize, double gamma) implements LearningRateSchedule {
  public StepDecay {
    LearningRateSchedule.check(stepSize >= 1, "StepDecay", "stepSize", stepSize, "must be >= 1");
    LearningRateSchedule.check(
        gamma > 0 && Double.isFinite(gamma), "StepDecay", "gamma", gamma, "must be finite and > 0");
  }

  @Override
  public double rate(double base, int t) {
    return base * Math.pow(gamma, Math.floorDiv(t, stepSize));
  }
}
