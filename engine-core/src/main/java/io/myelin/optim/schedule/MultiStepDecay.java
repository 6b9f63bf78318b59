package io.myelin.optim.schedule;

import java.util.Arrays;

/**
 * Multiplies the rate by {@code gamma} at each milestone, as PyTorch's {@code MultiStepLR}: {@code
 * rate = base * gamma^(number of milestones <= t)}.
 *
 * @param milestones strictly increasing steps, each >= 1 (a copy is kept)
 * @param gamma decay factor, finite and > 0
 */
public record MultiStepDecay(int[] milestones, double gamma) implements LearningRateSchedule {
  public MultiStepDecay {
    milestones = milestones.clone();
    for (int i = 0; i < milestones.length; i++) {
      boolean ok = milestones[i] >= 1 && (i == 0 || milestones[i] > milestones[i - 1]);
      LearningRateSchedule.check(
          ok,
          "MultiStepDecay",
          "milestones " + Arrays.toString(milestones) + " at index " + i,
          milestones[i],
          "must be >= 1 and strictly increasing");
    }
    LearningRateSchedule.check(
        gamma > 0 && Double.isFinite(gamma),
        "MultiStepDecay",
        "gamma",
        gamma,
        "must be finite and > 0");
  }

  @Override
  public int[] milestones() {
    return milestones.clone();
  }

  @Override
  public double rate(double base, int t) {
    int passed = 0;
    while (passed < milestones.length && milestones[passed] <= t) {
      passed++;
    }
    return base * Math.pow(gamma, passed);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiStepDecay m
        && Arrays.equals(milestones, m.milestones)
        && Double.compare(gamma, m.gamma) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(milestones) + Double.hashCode(gamma);
  }

  @Override
  public String toString() {
    return "MultiStepDecay[milestones=" + Arrays.toString(milestones) + ", gamma=" + gamma + "]";
  }
}
