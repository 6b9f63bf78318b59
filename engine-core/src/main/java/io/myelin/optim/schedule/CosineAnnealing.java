package io.myelin.optim.schedule;

/**
 * Cosine annealing from {@code base} down to {@code etaMin} over {@code tMax} steps (Loshchilov and
 * Hutter, "SGDR", 2017, without restarts), the closed form of PyTorch's {@code CosineAnnealingLR}:
 *
 * <pre>
 *   rate = etaMin + (base - etaMin) * (1 + cos(pi * t / tMax)) / 2
 * </pre>
 *
 * Past {@code tMax} the cosine continues (the rate climbs back towards {@code base} by {@code 2
 * tMax}), as PyTorch's closed form does; stop stepping at {@code tMax} to hold {@code etaMin}.
 *
 * @param tMax half period in steps, >= 1
 * @param etaMin the floor, finite and >= 0
 */
public record CosineAnnealing(int tMax, double etaMin) implements LearningRateSchedule {
  public CosineAnnealing {
    LearningRateSchedule.check(tMax >= 1, "CosineAnnealing", "tMax", tMax, "must be >= 1");
    LearningRateSchedule.check(
        etaMin >= 0 && Double.isFinite(etaMin),
        "CosineAnnealing",
        "etaMin",
        etaMin,
        "must be finite and >= 0");
  }

  @Override
  public double rate(double base, int t) {
    return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
  }
}
