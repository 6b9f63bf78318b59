package io.myelin.train;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when a monitored quantity has not improved for {@code patience} epochs, as
 * Keras' EarlyStopping: an improvement is a change beyond {@code minDelta} in the right
 * direction (down for losses, up for accuracy). With {@code restoreBest}, the model's weights
 * and buffers are set back to those of the best epoch when training ends.
 */
public final class EarlyStopping implements Callback {
  /** What to watch. Validation quantities fall back to training ones when there is no validation set. */
  public enum Monitor {
    VAL_LOSS(true),
    VAL_METRIC(false),
    TRAIN_LOSS(true);

    private final boolean lowerIsBetter;

    Monitor(boolean lowerIsBetter) {
      this.lowerIsBetter = lowerIsBetter;
    }
  }

  private final Monitor monitor;
  private final int patience;
  private final double minDelta;
  private final boolean restoreBest;
  private double best = Double.NaN;
  private int bestEpoch;
  private int wait;
  private Map<String, Tensor> bestState;

  /**
   * @param monitor the quantity
   * @param patience epochs without improvement before stopping (>= 1)
   * @param minDelta smallest change that counts as an improvement (>= 0)
   * @param restoreBest restore the best epoch's weights at the end
   */
  public EarlyStopping(Monitor monitor, int patience, double minDelta, boolean restoreBest) {
    if (patience < 1) {
      throw new IllegalArgumentException("early stopping patience must be >= 1, got " + patience);
    }
    if (!(minDelta >= 0)) {
      throw new IllegalArgumentException("early stopping minDelta must be >= 0, got " + minDelta);
    }
    this.monitor = monitor;
    this.patience = patience;
    this.minDelta = minDelta;
    this.restoreBest = restoreBest;
  }

  /** Validation loss, patience as given, no minimum delta, restoring the best weights. */
  public static EarlyStopping onValidationLoss(int patience) {
    return new EarlyStopping(Monitor.VAL_LOSS, patience, 0, true);
  }

  /** The best epoch seen (1-based), 0 before any. */
  public int bestEpoch() {
    return bestEpoch;
  }

  public double bestValue() {
    return best;
  }

  private double value(EpochRecord r) {
    return switch (monitor) {
      case VAL_LOSS -> r.hasValidation() ? r.validationLoss() : r.trainLoss();
      case VAL_METRIC -> r.hasValidation() ? r.validationMetric() : r.trainMetric();
      case TRAIN_LOSS -> r.trainLoss();
    };
  }

  @Override
  public void onEpochEnd(TrainingState state, EpochRecord r) {
    double v = value(r);
    boolean improved = Double.isNaN(best)
        || (monitor.lowerIsBetter ? v < best - minDelta : v > best + minDelta);
    if (improved && !Double.isNaN(v)) {
      best = v;
      bestEpoch = r.epoch();
      wait = 0;
      if (restoreBest) {
        snapshot(state);
      }
    } else if (++wait >= patience) {
      state.requestStop("early stopping: no improvement of " + monitor.name().toLowerCase()
          + " for " + patience + " epochs (best " + best + " at epoch " + bestEpoch + ")");
    }
  }

  @Override
  public void onTrainEnd(TrainingState state) {
    if (restoreBest && bestState != null) {
      try (var ignored = Autograd.noGrad()) {
        state.model().loadStateDict(bestState, true);
      }
      bestState.values().forEach(Tensor::close);
      bestState = null;
    }
  }

  private void snapshot(TrainingState state) {
    if (bestState != null) {
      bestState.values().forEach(Tensor::close);
    }
    Map<String, Tensor> copy = new LinkedHashMap<>();
    try (var ignored = Autograd.noGrad()) {
      state.model().stateDict().forEach((k, v) -> copy.put(k, v.copy().persist()));
    }
    bestState = copy;
  }
}
