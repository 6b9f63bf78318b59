package io.myelin.train;

import java.io.PrintStream;
import java.util.List;

/**
 * How {@link Trainer#fit} runs. Start from {@link #defaults()} and change fields with the {@code
 * with...} methods; values are checked in the constructor.
 *
 * @param epochs epochs to run (>= 1)
 * @param logEvery print a summary line every this many epochs (the last epoch always prints)
 * @param progress draw a progress bar (only when the output is a terminal)
 * @param out where lines go (null: nothing is printed)
 * @param accumulationSteps batches whose gradients are summed before one optimizer step (the loss
 *     is divided by it, so the update equals that of one batch of the combined size)
 * @param nonFinite what to do when a loss (or gradient) is NaN or infinite
 * @param checkGradients also check every gradient for NaN/Inf after each backward (costs one
 *     reduction per parameter)
 * @param clipNorm clip the global gradient norm to this (0 = off)
 * @param clipValue clip every gradient element to [-v, v] (0 = off)
 * @param callbacks run in order after each epoch
 * @param graphs whether training steps are captured as graphs and replayed ({@link TrainingStep});
 *     see {@link Graphs}
 */
public record TrainerOptions(
    int epochs,
    int logEvery,
    boolean progress,
    PrintStream out,
    int accumulationSteps,
    NonFinitePolicy nonFinite,
    boolean checkGradients,
    double clipNorm,
    double clipValue,
    List<Callback> callbacks,
    Graphs graphs) {

  /**
   * Whether the trainer's {@link TrainingStep}s are captured as graphs and replayed. Every option
   * (accumulation, clipping, the non-finite policy, dropout) works the same either way and gives
   * the same bits: the step reads nothing back, the loss and a non-finite count are summed on the
   * device and read at progress updates and at the end of each epoch, so a non-finite batch stops a
   * {@code STOP} run at that point (naming the batches) with its update not applied.
   */
  public enum Graphs {
    /**
     * Where the backend replays graphs by default ({@link
     * io.myelin.backend.Backend#capturesByDefault()}: the GPU and the CPU backends).
     */
    AUTO,
    /** Wherever the backend can capture, whatever its default. */
    ON,
    /** Never: every step issued eagerly, primitive by primitive. */
    OFF
  }

  /** What the trainer does on a non-finite loss or gradient. */
  public enum NonFinitePolicy {
    /** Stop with a {@link NonFiniteLossException} naming the step, parameter and learning rate. */
    STOP,
    /**
     * Leave the update of the accumulation cycle holding the batch unapplied (parameters and
     * optimizer state untouched; the optimizer's step count still advances) and go on; the batches
     * skipped are counted and reported.
     */
    SKIP_BATCH
  }

  public TrainerOptions {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (logEvery < 1) {
      throw new IllegalArgumentException("logEvery must be >= 1, got " + logEvery);
    }
    if (accumulationSteps < 1) {
      throw new IllegalArgumentException(
          "accumulationSteps must be >= 1, got " + accumulationSteps);
    }
    if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException(
          "clipNorm must be finite and >= 0 (0 = off), got " + clipNorm);
    }
    if (!(clipValue >= 0) || Double.isInfinite(clipValue)) {
      throw new IllegalArgumentException(
          "clipValue must be finite and >= 0 (0 = off), got " + clipValue);
    }
    callbacks = List.copyOf(callbacks);
    java.util.Objects.requireNonNull(graphs, "graphs");
  }

  /** 10 epochs, a line per epoch on standard output, a progress bar on terminals, stop on NaN. */
  public static TrainerOptions defaults() {
    return new TrainerOptions(
        10, 1, true, System.out, 1, NonFinitePolicy.STOP, false, 0, 0, List.of(), Graphs.AUTO);
  }

  public TrainerOptions withEpochs(int v) {
    return new TrainerOptions(
        v,
        logEvery,
        progress,
        out,
        accumulationSteps,
        nonFinite,
        checkGradients,
        clipNorm,
        clipValue,
        callbacks,
        graphs);
  }

  public TrainerOptions withLogEvery(int v) {
    return new TrainerOptions(
        epochs,
        v,
        progress,
        out,
        accumulationSteps,
        nonFinite,
        checkGradients,
        clipNorm,
        clipValue,
        callbacks,
        graphs);
  }

  public TrainerOptions withProgress(boolean v) {
    return new TrainerOptions(
        epochs,
        logEvery,
        v,
        out,
        accumulationSteps,
        nonFinite,
        checkGradients,
        clipNorm,
        clipValue,
        callbacks,
        graphs);
  }

  /** Where to print; null prints nothing. */
  public TrainerOptions withOut(PrintStream v) {
    return new TrainerOptions(
        epochs,
        logEvery,
        progress,
        v,
        accumulationSteps,
        nonFinite,
        checkGradients,
        clipNorm,
        clipValue,
        callbacks,
        graphs);
  }

  public TrainerOptions withAccumulationSteps(int v) {
    return new TrainerOptions(
        epochs,
        logEvery,
        progress,
        out,
        v,
        nonFinite,
        checkGradients,
        clipNorm,
        clipValue,
        callbacks,
        graphs);
  }

  public TrainerOptions withNonFinite(NonFinitePolicy v, boolean checkGradientsToo) {
    return new TrainerOptions(
        epochs,
        logEvery,
        progress,
        out,
        accumulationSteps,
        v,
        checkGradientsToo,
        clipNorm,
        clipValue,
        callbacks,
        graphs);
  }

  public TrainerOptions withClipNorm(double v) {
    return new TrainerOptions(
        epochs,
        logEvery,
        progress,
        out,
        accumulationSteps,
        nonFinite,
        checkGradients,
        v,
        clipValue,
        callbacks,
        graphs);
  }

  public TrainerOptions withClipValue(double v) {
    return new TrainerOptions(
        epochs,
        logEvery,
        progress,
        out,
        accumulationSteps,
        nonFinite,
        checkGradients,
        clipNorm,
        v,
        callbacks,
        graphs);
  }

  public TrainerOptions withCallbacks(List<Callback> v) {
    return new TrainerOptions(
        epochs,
        logEvery,
        progress,
        out,
        accumulationSteps,
        nonFinite,
        checkGradients,
        clipNorm,
        clipValue,
        v,
        graphs);
  }

  public TrainerOptions withGraphs(Graphs v) {
    return new TrainerOptions(
        epochs,
        logEvery,
        progress,
        out,
        accumulationSteps,
        nonFinite,
        checkGradients,
        clipNorm,
        clipValue,
        callbacks,
        v);
  }
}
