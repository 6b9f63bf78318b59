package io.myelin.train;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when a monitored quantity has not improved for {@code patience} epochs, as Keras'
 * EarlyStopping: an improvement is a change beyond {@code minDelta} in the right direction (down
 * for losses, up for accuracy). With {@code restoreBest}, the model's weights and buffers are set
 * back to those of the best epoch when training ends.
 *
 * <p>Its state (best value and epoch, epochs waited, best weights) is {@link Resumable}: a run
 * resumed from a {@link TrainingCheckpoints} checkpoint stops, and restores, as the uninterrupted
 * run would.
 */
public final class EarlyStopping implements Callback, Resumable {
  /**
   * What to watch. Validation quantities fall back to training ones when there is no validation
   * set.
   */
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
    boolean improved =
        Double.isNaN(best) || (monitor.lowerIsBetter ? v < best - minDelta : v > best + minDelta);
    if (improved && !Double.isNaN(v)) {
      best = v;
      bestEpoch = r.epoch();
      wait = 0;
      if (restoreBest) {
        snapshot(state);
      }
    } else if (++wait >= patience) {
      state.requestStop(
          "early stopping: no improvement of "
              + monitor.name().toLowerCase()
              + " for "
              + patience
              + " epochs (best "
              + best
              + " at epoch "
              + bestEpoch
              + ")");
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

  @Override
  public String checkpointName() {
    return "early_stopping";
  }

  @Override
  public void saveState(Map<String, String> strings, Map<String, Tensor> tensors) {
    strings.put("best", Double.toString(best)); // exact: Double.toString reads back bit for bit
    strings.put("best_epoch", Integer.toString(bestEpoch));
    strings.put("wait", Integer.toString(wait));
    if (bestState != null) {
      bestState.forEach((k, v) -> tensors.put("best." + k, v));
    }
  }

  @Override
  public void restoreState(Map<String, String> strings, Map<String, Tensor> tensors) {
    double b;
    int be;
    int w;
    try {
      b = Double.parseDouble(required(strings, "best"));
      be = Integer.parseInt(required(strings, "best_epoch"));
      w = Integer.parseInt(required(strings, "wait"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("early stopping state: " + e.getMessage());
    }
    if (be < 0 || w < 0) {
      throw new IllegalArgumentException(
          "early stopping state: negative best_epoch " + be + " or wait " + w);
    }
    Map<String, Tensor> copy = new LinkedHashMap<>();
    try (var ignored = Autograd.noGrad()) {
      tensors.forEach(
          (k, v) -> {
            if (!k.startsWith("best.")) {
              throw new IllegalArgumentException(
                  "early stopping state: unknown tensor '" + k + "'");
            }
            copy.put(k.substring(5), v.copy().persist());
          });
    }
    if (bestState != null) {
      bestState.values().forEach(Tensor::close);
    }
    best = b;
    bestEpoch = be;
    wait = w;
    bestState = copy.isEmpty() ? null : copy;
  }

  private static String required(Map<String, String> m, String key) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("early stopping state: '" + key + "' is missing");
    }
    return v;
  }
}
