package io.myelin.train;

import io.myelin.Generator;
import io.myelin.nn.Layer;
import io.myelin.optim.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Keeps the checkpoint of the best epoch so far, as Keras's {@code ModelCheckpoint(
 * save_best_only=True)}: after every epoch whose monitored validation figure improved on every
 * earlier one, the run is saved with {@link TrainingCheckpoints#save} (atomically, so the file
 * always holds one complete best checkpoint). Combine it with {@link
 * TrainingCheckpoints#everyEpoch} on another file for "best and last".
 *
 * <pre>{@code
 * var best = BestCheckpoint.minimizingValidationLoss(Path.of("best.ckpt"), model, adam, Map.of());
 * new Trainer(TrainerOptions.defaults().withCallbacks(List.of(best))).fit(model, loss, adam, train, val);
 * }</pre>
 *
 * <p>Needs a validation set: an epoch without validation figures is an error.
 */
public final class BestCheckpoint implements Callback {
  private final Path file;
  private final Layer model;
  private final Optimizer<?> optimizer;
  private final Map<String, Generator> generators;
  private final boolean onLoss;
  private final boolean higherIsBetter;
  private double best = Double.NaN;
  private int bestEpoch;

  private BestCheckpoint(
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      boolean onLoss,
      boolean higherIsBetter) {
    this.file = file;
    this.model = model;
    this.optimizer = optimizer;
    this.generators = Map.copyOf(generators);
    this.onLoss = onLoss;
    this.higherIsBetter = higherIsBetter;
  }

  /** Saves when the validation loss reaches a new minimum. */
  public static BestCheckpoint minimizingValidationLoss(
      Path file, Layer model, Optimizer<?> optimizer, Map<String, Generator> generators) {
    return new BestCheckpoint(file, model, optimizer, generators, true, false);
  }

  /**
   * Saves when the validation metric improves: a new maximum of accuracy ({@code higherIsBetter}),
   * or a new minimum of MSE for regression.
   */
  public static BestCheckpoint onValidationMetric(
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      boolean higherIsBetter) {
    return new BestCheckpoint(file, model, optimizer, generators, false, higherIsBetter);
  }

  /** The epoch saved last (the best so far), 0 before any. */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** Its monitored value, NaN before any. */
  public double best() {
    return best;
  }

  @Override
  public void onEpochEnd(TrainingState state, EpochRecord record) {
    if (!record.hasValidation()) {
      throw new IllegalStateException(
          "BestCheckpoint("
              + file
              + ") needs a validation set:"
              + " epoch "
              + record.epoch()
              + " has no validation figures");
    }
    double v = onLoss ? record.validationLoss() : record.validationMetric();
    boolean improved =
        !Double.isNaN(v) && (Double.isNaN(best) || (higherIsBetter ? v > best : v < best));
    if (!improved) {
      return;
    }
    try {
      TrainingCheckpoints.save(
          file,
          state.epoch(),
          state.step(),
          0,
          model,
          optimizer,
          generators,
          List.of(),
          state.history(),
          Map.of("best." + (onLoss ? "validation_loss" : "validation_metric"), Double.toString(v)));
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    best = v;
    bestEpoch = record.epoch();
  }
}
