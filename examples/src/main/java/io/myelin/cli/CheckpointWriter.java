package io.myelin.cli;

import io.myelin.Generator;
import io.myelin.nn.Layer;
import io.myelin.optim.Optimizer;
import io.myelin.train.Callback;
import io.myelin.train.EpochRecord;
import io.myelin.train.Resumable;
import io.myelin.train.TrainingCheckpoints;
import io.myelin.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code --checkpoint FILE}: after every epoch, everything {@code --resume} needs to continue the
 * run bit for bit ({@link TrainingCheckpoints}: weights, optimizer state, epoch and step, the
 * generator's position, the history, early stopping's state), plus the run's description ({@link
 * RunDescription}) so that a resume with other options is refused. Written atomically: a failure
 * stops training with a message naming the file, and the previous checkpoint stays loadable.
 */
final class CheckpointWriter implements Callback {
  /** The name of the one generator of a command-line run (initialisation and dropout). */
  static final String GENERATOR = "init";

  /** The extra entry, present when the run was stopped early, that says why. */
  static final String STOPPED = "stopped";

  private final Path file;
  private final Layer model;
  private final Optimizer<?> optimizer;
  private final Generator generator;
  private final List<? extends Resumable> callbacks;
  private final Map<String, String> description;

  /**
   * @param callbacks stateful callbacks (early stopping) whose state goes into the checkpoint
   */
  CheckpointWriter(
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Generator generator,
      List<? extends Resumable> callbacks,
      Map<String, String> description) {
    this.file = file;
    this.model = model;
    this.optimizer = optimizer;
    this.generator = generator;
    this.callbacks = List.copyOf(callbacks);
    this.description = description;
  }

  @Override
  public void onEpochEnd(TrainingState state, EpochRecord record) {
    Map<String, String> extra = description;
    if (state.stopReason() != null) { // a run that ended early has nothing left to resume
      extra = new java.util.LinkedHashMap<>(description);
      extra.put(STOPPED, state.stopReason());
    }
    try {
      TrainingCheckpoints.save(
          file,
          state.epoch(),
          state.step(),
          0,
          model,
          optimizer,
          Map.of(GENERATOR, generator),
          callbacks,
          state.history(),
          extra);
    } catch (IOException e) {
      throw new Errors.BadInputException(Errors.oneLine(e.getMessage()));
    }
  }
}
