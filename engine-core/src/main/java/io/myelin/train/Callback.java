package io.myelin.train;

/**
 * Hooks into {@link Trainer#fit}. Callbacks run on the training thread, in the order given. {@link
 * TrainingState#requestStop(String)} ends training after the current epoch.
 */
public interface Callback {
  /** Before the first epoch. */
  default void onTrainStart(TrainingState state) {}

  /**
   * After each optimizer step of a per-batch optimizer (every batch, or every {@code
   * accumulationSteps} batches), outside the step's memory scope; {@link TrainingState#batch()}
   * tells how many batches of the epoch are done.
   */
  default void onStepEnd(TrainingState state) {}

  /** After each epoch's training and validation, with its record already in the history. */
  default void onEpochEnd(TrainingState state, EpochRecord record) {}

  /** After the last epoch (also when stopped early or by an error guard). */
  default void onTrainEnd(TrainingState state) {}
}
