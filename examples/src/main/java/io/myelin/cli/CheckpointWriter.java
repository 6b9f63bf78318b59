package io.myelin.cli;

import io.myelin.Generator;
import io.myelin.nn.Module;
import io.myelin.optim.Optimizer;
import io.myelin.train.Callback;
import io.myelin.train.EpochRecord;
import io.myelin.train.TrainingCheckpoints;
import io.myelin.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code --checkpoint FILE}: after every epoch, everything {@code --resume} needs to continue the
 * run bit for bit ({@link TrainingCheckpoints}: weights, optimizer state, epoch and step, the
 * generator's position, the history), plus the run's description ({@link RunDescription}) so
 * that a resume with other options is refused. Written atomically: a failure stops training with
 * a message naming the file, and the previous checkpoint stays loadable.
 */
final class CheckpointWriter implements Callback {
  /** The name of the one generator of a command-line run (initialisation and dropout). */
  static final String GENERATOR = "init";

  private final Path file;
  private final Module model;
  private final Optimizer<?> optimizer;
  private final Generator generator;
  private final Map<String, String> description;

  CheckpointWriter(Path file, Module model, Optimizer<?> optimizer, Generator generator,
      Map<String, String> description) {
    this.file = file;
    this.model = model;
    this.optimizer = optimizer;
    this.generator = generator;
    this.description = description;
  }

  @Override
  public void onEpochEnd(TrainingState state, EpochRecord record) {
    try {
      TrainingCheckpoints.save(file, state.epoch(), state.step(), model, optimizer,
          Map.of(GENERATOR, generator), state.history(), description);
    } catch (IOException e) {
      throw new Errors.BadInputException(Errors.oneLine(e.getMessage()));
    }
  }
}
