package io.myelin.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.optim.LearningRateControl;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Every schedule against its closed form (written here independently, often in the recursive form
 * PyTorch's chainable schedulers use) over a few dozen steps, driven through a scheduler; and
 * reduce-on-plateau's patience, cool-down and floor.
 */
class ScheduleTest {
  private static final int STEPS = 40;

  /** A stand-in optimizer: just the per-group rates. */
  private static final class Rates implements LearningRateControl {
    final double[] lr;

    Rates(double... lr) {
      this.lr = lr.clone();
    }

    @Override
    public int parameterGroupCount() {
      return lr.length;
    }

    @Override
    public double learningRate(int group) {
      return lr[group];
    }

    @Override
    public void setLearningRate(int group, double value) {
      lr[group] = value;
    }
  }

  /** Steps a scheduler over two groups (bases 0.1 and 0.03) and compares with {@code expected}. */
  private static void check(LearningRateSchedule schedule, IntToDoubleFunction expectedFactor) {
    Rates rates = new Rates(0.1, 0.03);
    LearningRateScheduler s = new LearningRateScheduler(rates, schedule);
    for (int t = 0; t < STEPS; t++) {
      assertEquals(
          0.1 * expectedFactor.applyAsDouble(t), rates.lr[0], 1e-15, schedule + " group 0, t=" + t);
      assertEquals(
          0.03 * expectedFactor.applyAsDouble(t),
          rates.lr[1],
          1e-15,
          schedule + " group 1, t=" + t);
      assertEquals(t, s.stepCount());
      s.step();
    }
  }

  @Test
  void stepDecay() {
    double[] f = new double[STEPS];
    f[0] = 1;
    for (int t = 1; t < STEPS; t++) {
      f[t] = t % 7 == 0 ? f[t - 1] * 0.5 : f[t - 1];
    }
    check(new StepDecay(7, 0.5), t -> f[t]);
  }

  @Test
  void multiStepDecay() {
    check(
        new MultiStepDecay(new int[] {3, 10, 25}, 0.1),
        t -> t < 3 ? 1 : t < 10 ? 0.1 : t < 25 ? 0.01 : 0.001);
  }

  @Test
  void exponentialDecay() {
    double[] f = new double[STEPS];
    f[0] = 1;
    for (int t = 1; t < STEPS; t++) {
      f[t] = f[t - 1] * 0.95;
    }
    check(new ExponentialDecay(0.95), t -> f[t]);
  }

  @Test
  void inverseTimeDecay() {
    // The course's 1/(1 + decay * epoch): 0.2 with decay 1 gives 0.1, 0.0667, 0.05, 0.04 ...
    check(new InverseTimeDecay(1.0), t -> 1.0 / (1 + t));
    Rates r = new Rates(0.2);
    LearningRateScheduler s = new LearningRateScheduler(r, new InverseTimeDecay(1.0));
    s.step();
    assertEquals(0.1, r.lr[0], 1e-15);
    s.step();
    assertEquals(0.2 / 3, r.lr[0], 1e-15);
  }

  @Test
  void cosineAnnealing() {
    // eta_min 0.02 of base 0.1 is a factor 0.2 of the base for group 0 only, so check one group.
    Rates r = new Rates(0.1);
    LearningRateScheduler s = new LearningRateScheduler(r, new CosineAnnealing(30, 0.02));
    for (int t = 0; t < STEPS; t++) {
      double expected = 0.02 + (0.1 - 0.02) * (1 + Math.cos(Math.PI * t / 30)) / 2;
      assertEquals(expected, r.lr[0], 1e-15, "t=" + t);
      s.step();
    }
    assertEquals(0.02, new CosineAnnealing(30, 0.02).rate(0.1, 30), 1e-15);
    assertEquals(0.1, new CosineAnnealing(30, 0.02).rate(0.1, 0), 1e-15);
    check(new CosineAnnealing(25, 0), t -> (1 + Math.cos(Math.PI * t / 25)) / 2);
  }

  @Test
  void linearWarmupThenStepDecay() {
    check(
        new StepDecay(10, 0.5).afterWarmup(5, 0.2),
        t -> t < 5 ? 0.2 + 0.8 * t / 5.0 : Math.pow(0.5, (t - 5) / 10));
    assertEquals(0.1, new LinearWarmup(4, 0, LearningRateSchedule.constant()).rate(0.1, 4), 0);
    assertEquals(0.0, new LinearWarmup(4, 0, LearningRateSchedule.constant()).rate(0.1, 0), 0);
  }

  @Test
  void schedulerCanResumeAtAStep() {
    Rates r = new Rates(1.0);
    LearningRateScheduler s = new LearningRateScheduler(r, new ExponentialDecay(0.5));
    s.setStepCount(3);
    assertEquals(0.125, r.lr[0], 0);
  }

  @Test
  void invalidSchedulesAreRejectedByName() {
    assertMessage(() -> new StepDecay(0, 0.5), "stepSize");
    assertMessage(() -> new StepDecay(3, -1), "gamma");
    assertMessage(() -> new MultiStepDecay(new int[] {5, 5}, 0.1), "milestones");
    assertMessage(() -> new ExponentialDecay(Double.NaN), "gamma");
    assertMessage(() -> new InverseTimeDecay(-0.1), "decay");
    assertMessage(() -> new CosineAnnealing(0, 0), "tMax");
    assertMessage(() -> new LinearWarmup(3, 1.5, LearningRateSchedule.constant()), "startFactor");
    assertMessage(() -> ReduceOnPlateau.Options.defaults().withFactor(1.0), "factor");
    assertMessage(() -> ReduceOnPlateau.Options.defaults().withPatience(-1), "patience");
  }

  private static void assertMessage(Runnable r, String option) {
    var e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().contains(option), e.getMessage());
  }

  // ---- reduce on plateau -----------------------------------------------------------------

  @Test
  void plateauWaitsPatienceThenReducesThenCoolsDown() {
    Rates r = new Rates(1.0, 0.1);
    var p =
        new ReduceOnPlateau(
            r, ReduceOnPlateau.Options.defaults().withPatience(2).withCooldown(1).withFactor(0.5));
    double[] metrics = {10, 9, 9, 9, 9, 9, 9, 9, 9, 8, 7.9995, 7.9995, 7.9995};
    double[] lr0 = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125};
    boolean[] reduced = {
      false, false, false, false, true, false, false, false, true, false, false, false, true
    };
    for (int i = 0; i < metrics.length; i++) {
      assertEquals(reduced[i], p.step(metrics[i]), "step " + i);
      assertEquals(lr0[i], r.lr[0], 0, "group 0 after step " + i);
      assertEquals(lr0[i] / 10, r.lr[1], 1e-17, "group 1 after step " + i);
    }
    // 7.9995 is within the relative threshold of 8 (8 * (1 - 1e-4) = 7.9992): not an improvement.
    assertEquals(8.0, p.best(), 0);
  }

  @Test
  void plateauInMaxModeWithAbsoluteThreshold() {
    Rates r = new Rates(0.1);
    var p =
        new ReduceOnPlateau(
            r,
            ReduceOnPlateau.Options.defaults()
                .withMode(ReduceOnPlateau.Mode.MAX)
                .withPatience(0)
                .withThreshold(0.01, ReduceOnPlateau.ThresholdMode.ABSOLUTE));
    assertFalse(p.step(0.80));
    assertFalse(p.step(0.82));
    assertTrue(p.step(0.825)); // +0.005 < 0.01: a bad epoch, patience 0 reduces at once
    assertEquals(0.01, r.lr[0], 1e-17);
    assertFalse(p.step(0.9));
    assertEquals(0.9, p.best(), 0);
  }

  @Test
  void plateauStopsAtMinLr() {
    Rates r = new Rates(0.5);
    var p =
        new ReduceOnPlateau(
            r, ReduceOnPlateau.Options.defaults().withPatience(0).withFactor(0.5).withMinLr(0.3));
    p.step(1);
    assertTrue(p.step(1));
    assertEquals(0.3, r.lr[0], 0);
    assertFalse(p.step(1), "a change below eps is not a reduction");
    assertEquals(0.3, r.lr[0], 0);
  }
}
