package io.myelin.optim;

/**
 * Validation shared by the option records: each check names the optimizer, the option and the bad
 * value, as PyTorch's "Invalid learning rate: -1" does, so the message says what to fix.
 */
final class OptionChecks {
  private OptionChecks() {}

  /** A learning rate: finite and at least 0. */
  static void learningRate(String optimizer, double lr) {
    nonNegative(optimizer, "lr", lr);
  }

  /** Finite and at least 0 (weight decay, momentum, lr decay...). */
  static void nonNegative(String optimizer, String option, double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw invalid(optimizer, option, value, "must be finite and >= 0");
    }
  }

  /** Finite and strictly positive (eps). */
  static void positive(String optimizer, String option, double value) {
    if (!Double.isFinite(value) || value <= 0) {
      throw invalid(optimizer, option, value, "must be finite and > 0");
    }
  }

  /** In [0, 1): decay rates whose powers must vanish (Adam's betas, EWA momentum). */
  static void beta(String optimizer, String option, double value) {
    if (!(value >= 0 && value < 1)) {
      throw invalid(optimizer, option, value, "must be in [0, 1)");
    }
  }

  /** In [0, 1] (dampening, RMSprop's alpha, AdaDelta's rho). */
  static void unit(String optimizer, String option, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw invalid(optimizer, option, value, "must be in [0, 1]");
    }
  }

  static IllegalArgumentException invalid(
      String optimizer, String option, double value, String rule) {
    return new IllegalArgumentException(
        optimizer + ": invalid " + option + " " + value + " (" + rule + ")");
  }
}
