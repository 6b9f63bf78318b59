package io.myelin.train;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.Backend;
import io.myelin.backend.DeviceManager;
import io.myelin.data.Batch;
import io.myelin.data.DataLoader;
import io.myelin.loss.Loss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Layer;
import io.myelin.optim.FullBatchOptimizer;
import io.myelin.optim.Optimizer;
import java.util.List;

/**
 * The training loop: {@code fit} runs epochs of forward, loss, backward and optimizer steps over a
 * {@link DataLoader}, evaluates on a validation loader after each epoch, runs callbacks (early
 * stopping, checkpoints, schedules) and returns the {@link History}.
 *
 * <p>Every step runs inside a {@link MemoryScope}, so users of {@code fit} never manage tensor
 * memory; the model is put in training mode for steps and in eval mode (under no-grad) for
 * evaluation, then left in eval mode. The task follows the targets: int32 labels mean
 * classification (metric: accuracy), float targets mean regression (metric: MSE).
 *
 * <pre>{@code
 * History h = new Trainer(TrainerOptions.defaults().withEpochs(20))
 *     .fit(model, new CrossEntropyLoss(), new Adam(model.parameters(), AdamOptions.lr(1e-3)),
 *          trainLoader, validationLoader);
 * }</pre>
 *
 * Not thread-safe; separate trainers with separate models may run on separate threads.
 */
public final class Trainer {
  /** Steps between reads of the device's running sums for a progress bar. */
  static final int READ_EVERY = 50;

  private final TrainerOptions options;

  public Trainer(TrainerOptions options) {
    this.options = options;
  }

  public TrainerOptions options() {
    return options;
  }

  /** Loss and metric of a model over a loader (mean over samples), without gradients. */
  public record Evaluation(double loss, double metric, long samples) {}

  /**
   * Where a resumed run starts: the epochs and optimizer steps already done, the batches of the
   * next epoch already consumed, and the history of the finished epochs (returned again at the
   * front of the new {@link History}). {@link TrainingCheckpoints#restore} builds one from a
   * checkpoint after putting the weights, optimizer state and random streams back.
   *
   * @param epoch epochs completed (training continues with epoch {@code epoch + 1}), {@code >= 0}
   * @param step optimizer steps taken, {@code >= 0}
   * @param batch batches of epoch {@code epoch + 1} already trained on, {@code >= 0}; a multiple of
   *     the accumulation steps, since partly accumulated gradients are not saved
   * @param history records of the epochs done (may be empty)
   */
  public record Resume(int epoch, long step, int batch, List<EpochRecord> history) {
    /** A run from scratch. */
    public static final Resume START = new Resume(0, 0, 0, List.of());

    public Resume {
      if (epoch < 0 || step < 0 || batch < 0) {
        throw new IllegalArgumentException(
            "Resume: epoch, step and batch must be >= 0, got "
                + epoch
                + ", "
                + step
                + ", "
                + batch);
      }
      history = List.copyOf(history);
    }
  }

  /** Trains with a per-batch optimizer (SGD, Adam, ...) and no validation set. */
  public History fit(Layer model, Loss loss, Optimizer<?> optimizer, DataLoader train) {
    return fit(model, loss, optimizer, train, null);
  }

  /** Trains with a per-batch optimizer (SGD, Adam, ...); {@code validation} may be null. */
  public History fit(
      Layer model, Loss loss, Optimizer<?> optimizer, DataLoader train, DataLoader validation) {
    return fit(model, loss, optimizer, train, validation, Resume.START);
  }

  /**
   * Continues a run with a per-batch optimizer from {@code from} up to {@link
   * TrainerOptions#epochs()} (the total, not the number still to run). When the model, optimizer
   * and random streams hold what they held when {@code from} was taken, and the loaders are
   * configured as before (same data, batch size, shuffle seed), the final weights equal those of
   * the uninterrupted run bit for bit: the data order of an epoch depends only on the loader's seed
   * and the epoch number.
   *
   * @throws IllegalArgumentException if {@code from.batch()} is not a multiple of the accumulation
   *     steps or not below the batches per epoch
   */
  public History fit(
      Layer model,
      Loss loss,
      Optimizer<?> optimizer,
      DataLoader train,
      DataLoader validation,
      Resume from) {
    if (from.batch() % options.accumulationSteps() != 0
        || from.batch() >= train.batchesPerEpoch()) {
      throw new IllegalArgumentException(
          "fit: cannot resume at batch "
              + from.batch()
              + " of "
              + train.batchesPerEpoch()
              + " with "
              + options.accumulationSteps()
              + " accumulation steps (a multiple of them below the batch count is needed)");
    }
    return run(model, loss, new BatchUpdater(optimizer), train, validation, from);
  }

  /**
   * Trains with a full-batch optimizer (L-BFGS, CG): each epoch is one {@code step} of the
   * optimizer over the whole training set, whatever the loader's batch size.
   */
  public History fit(Layer model, Loss loss, FullBatchOptimizer optimizer, DataLoader train) {
    return fit(model, loss, optimizer, train, null);
  }

  /** As {@link #fit(Layer, Loss, FullBatchOptimizer, DataLoader)}, scored on {@code validation}. */
  public History fit(
      Layer model,
      Loss loss,
      FullBatchOptimizer optimizer,
      DataLoader train,
      DataLoader validation) {
    return run(model, loss, new FullBatchUpdater(optimizer), train, validation, Resume.START);
  }

  private History run(
      Layer model,
      Loss loss,
      Updater updater,
      DataLoader train,
      DataLoader validation,
      Resume from) {
    boolean classification;
    try (Batch probe = train.all()) {
      if (probe.targets() == null) {
        throw new IllegalArgumentException("fit: the training set has no labels or targets");
      }
      classification = probe.targets().dtype() == io.myelin.DType.INT32;
      if (classification) {
        checkClasses(model, probe);
      }
    }
    History history = new History(classification ? Metric.ACCURACY : Metric.MSE);
    from.history().forEach(history::add);
    TrainingState state = new TrainingState(model, history, options.epochs());
    state.setEpoch(from.epoch());
    state.setStep(from.step());
    state.setLearningRate(updater.learningRate());
    ProgressBar bar =
        options.out() == null
            ? null
            : new ProgressBar(
                options.out(), options.progress() && ProgressBar.isTerminal(), options.epochs());
    options.callbacks().forEach(c -> c.onTrainStart(state));
    try {
      for (int epoch = from.epoch() + 1;
          epoch <= options.epochs() && !state.stopRequested();
          epoch++) {
        state.setEpoch(epoch);
        long t0 = System.nanoTime();
        if (bar != null) {
          bar.startEpoch();
        }
        model.train();
        int firstBatch = epoch == from.epoch() + 1 ? from.batch() : 0;
        Evaluation trainEval =
            updater.epoch(model, loss, train, epoch - 1, firstBatch, state, bar, classification);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Evaluation val = validation == null ? null : evaluate(model, loss, validation);
        state.setLearningRate(updater.learningRate());
        EpochRecord r =
            new EpochRecord(
                epoch,
                seconds,
                updater.learningRate(),
                trainEval.loss(),
                trainEval.metric(),
                val == null ? Double.NaN : val.loss(),
                val == null ? Double.NaN : val.metric(),
                trainEval.samples(),
                history.metric());
        history.add(r);
        if (bar != null) {
          boolean print = epoch % options.logEvery() == 0 || epoch == options.epochs();
          bar.endEpoch(r, history.metricName(), print);
        }
        for (Callback c : options.callbacks()) {
          c.onEpochEnd(state, r);
        }
      }
    } finally {
      history.setStepMode(updater.stepMode());
      updater.close();
      options.callbacks().forEach(c -> c.onTrainEnd(state));
      model.eval();
    }
    if (state.stopReason() != null && options.out() != null) {
      options.out().println(state.stopReason());
    }
    return history;
  }

  /**
   * Refuses, before any step, labels the model cannot output: a class index at or above the model's
   * output count would otherwise fail (or be silently ignored) inside the loss. The output count
   * comes from a forward pass of one row in eval mode without gradients, which changes no state (no
   * dropout draw, no running-statistics update).
   */
  private static void checkClasses(Layer model, Batch probe) {
    int max = -1;
    int min = 0;
    for (int y : probe.targets().toIntArray()) {
      max = Math.max(max, y);
      min = Math.min(min, y);
    }
    if (min < 0) {
      throw new IllegalArgumentException(
          "fit: the training labels hold class " + min + "; class indices start at 0");
    }
    int outputs;
    try (var eval = model.evalMode();
        var ignored = Autograd.noGrad();
        MemoryScope scope = MemoryScope.open()) {
      Tensor out = model.forward(probe.features().narrow(0, 0, 1));
      outputs = out.rank() == 2 ? out.size(1) : -1;
    }
    if (outputs >= 0 && max >= outputs) {
      throw new IllegalArgumentException(
          "fit: the training labels go up to class "
              + max
              + " ("
              + (max + 1)
              + " classes) but the model has "
              + outputs
              + " output"
              + (outputs == 1 ? "" : "s")
              + "; give the last layer at least "
              + (max + 1));
    }
  }

  /** Mean loss and metric of {@code model} over every batch of {@code data}, in eval mode. */
  public Evaluation evaluate(Layer model, Loss loss, DataLoader data) {
    double lossSum = 0;
    double metricSum = 0;
    long n = 0;
    try (var eval = model.evalMode();
        var ignored = Autograd.noGrad()) {
      for (Batch b : data.epoch(0)) {
        try (MemoryScope scope = MemoryScope.open();
            b) {
          Tensor out = model.forward(b.features());
          int size = b.size();
          lossSum += loss.forward(out, b.targets()).item() * size;
          metricSum += metricSum(out, b.targets());
          n += size;
        }
      }
    }
    return new Evaluation(lossSum / n, metricSum / n, n);
  }

  /** Model outputs for every row of {@code data}, in dataset order (shuffling is ignored). */
  public Tensor predict(Layer model, DataLoader data) {
    try (var eval = model.evalMode();
        var ignored = Autograd.noGrad();
        Batch all = data.all()) {
      return model.forward(all.features());
    }
  }

  /**
   * Why {@code model}'s training steps run eagerly under {@code options}, or null when they are
   * captured as graphs: the options ask for capture and the backend can.
   */
  static String eagerReason(TrainerOptions options, Layer model) {
    if (options.graphs() == TrainerOptions.Graphs.OFF) {
      return "graphs off (TrainerOptions.graphs is OFF)";
    }
    Backend backend = DeviceManager.global().backend(model.parameters().get(0).device());
    if (!backend.supportsCapture()) {
      return backend.device() + " cannot capture graphs";
    }
    if (options.graphs() == TrainerOptions.Graphs.AUTO && !backend.capturesByDefault()) {
      return backend.device() + " captures only when TrainerOptions.graphs is ON";
    }
    return null;
  }

  /** {@link #metricSum} for classification, on the device: the number of correct predictions. */
  static Tensor correctOnDevice(Tensor out, Tensor targets) {
    Tensor predicted =
        out.rank() == 1 || out.size(-1) == 1
            ? out.reshape(targets.shape()).gt(0.0).to(io.myelin.DType.INT32)
            : out.argmax(-1, false);
    // Comparisons are floating-point ops; class indices are exact in float32.
    return predicted
        .to(io.myelin.DType.FLOAT32)
        .eq(targets.to(io.myelin.DType.FLOAT32))
        .sum()
        .to(io.myelin.DType.FLOAT64);
  }

  /** {@link #metricSum} for regression, on the device: squared errors over the target columns. */
  static Tensor squaredErrorOnDevice(Tensor out, Tensor targets) {
    int cols = targets.rank() > 1 ? targets.size(-1) : 1;
    // Squares summed in the dtype of the output, the division in double.
    Tensor sum =
        out.reshape(targets.shape()).sub(targets).square().sum().to(io.myelin.DType.FLOAT64);
    return sum.div(Tensor.full(sum.device(), io.myelin.DType.FLOAT64, cols));
  }

  /**
   * Correct predictions (classification) or summed squared error per element (regression), read on
   * the host: the device sums above, so the metric is written once.
   */
  static double metricSum(Tensor out, Tensor targets) {
    return (targets.dtype() == io.myelin.DType.INT32
            ? correctOnDevice(out, targets)
            : squaredErrorOnDevice(out, targets))
        .item();
  }

  // ---- the two ways of updating ------------------------------------------------------------

  private interface Updater {
    /** One epoch from batch {@code firstBatch} (0 except when resuming). */
    Evaluation epoch(
        Layer model,
        Loss loss,
        DataLoader train,
        int epochIndex,
        int firstBatch,
        TrainingState state,
        ProgressBar bar,
        boolean classification);

    double learningRate();

    /** How the steps ran: {@code "captured"} or {@code "eager: REASON"}. */
    default String stepMode() {
      return "eager: full-batch optimizer";
    }

    /** Releases what the updater holds across epochs (captured graphs). */
    default void close() {}
  }

  /**
   * Per-batch optimizers: every epoch is a loop of {@link TrainingStep}s (accumulation, clipping,
   * the non-finite gate and dropout all run inside the step, on the device), captured as graphs or
   * run eagerly as {@link TrainerOptions#graphs()} and the backend decide. The host reads the
   * device's running sums only for a progress update (every {@value #READ_EVERY} steps) and at the
   * end of the epoch; a non-finite batch under {@code STOP} is reported there.
   */
  private final class BatchUpdater implements Updater {
    private final Optimizer<?> optimizer;
    private TrainingStep step;
    private String eagerReason;
    private long skipped;

    BatchUpdater(Optimizer<?> optimizer) {
      this.optimizer = optimizer;
    }

    @Override
    public double learningRate() {
      return optimizer.learningRate(0);
    }

    @Override
    public Evaluation epoch(
        Layer model,
        Loss loss,
        DataLoader train,
        int epochIndex,
        int firstBatch,
        TrainingState state,
        ProgressBar bar,
        boolean classification) {
      if (step == null) {
        step =
            TrainingStep.create(
                model,
                loss,
                optimizer,
                classification ? Trainer::correctOnDevice : Trainer::squaredErrorOnDevice,
                captures(model),
                TrainingStep.Options.of(options));
      }
      int batches = train.batchesPerEpoch();
      state.setBatchesPerEpoch(batches);
      optimizer.zeroGrad();
      step.resetRunningLoss();
      int i = firstBatch;
      int checked = firstBatch;
      for (Batch b : train.epoch(epochIndex, firstBatch)) {
        boolean updated;
        try (b) {
          updated = step.run(b.features(), b.targets(), i + 1 == batches);
        }
        i++;
        if (updated) {
          state.addStep();
        }
        state.setBatch(i);
        // Reading the running sums synchronises: only for a progress bar, every READ_EVERY steps.
        if (bar != null && (i % READ_EVERY == 0 || i == batches)) {
          checkFinite(state, checked, i);
          checked = i;
          bar.update(state.epoch(), i, batches, step.runningLoss(), step.countedSamples());
        }
        if (updated) {
          for (Callback c : options.callbacks()) {
            c.onStepEnd(state);
          }
        }
      }
      checkFinite(state, checked, i);
      long counted = step.countedSamples();
      double lossMean = counted == 0 ? 0 : step.runningLoss();
      double metric = step.runningMetricSum() / Math.max(counted, 1);
      return new Evaluation(lossMean, metric, counted);
    }

    /** Whether steps are captured: the options ask for it and the backend can. */
    private boolean captures(Layer model) {
      eagerReason = eagerReason(options, model);
      return eagerReason == null;
    }

    /**
     * Reports the non-finite batches since the last check: {@code STOP} throws, {@code SKIP_BATCH}
     * counts them (their updates were not applied) and says so for the first ones.
     */
    private void checkFinite(TrainingState state, int fromBatch, int toBatch) {
      long bad = step.nonFiniteBatches() - skipped;
      if (bad <= 0) {
        return;
      }
      String what =
          (options.checkGradients() ? "non-finite loss or gradient" : "non-finite loss")
              + " in epoch "
              + state.epoch()
              + ", between batches "
              + (fromBatch + 1)
              + " and "
              + toBatch
              + "; learning rate "
              + optimizer.learningRate(0)
              + " (lower the learning rate, clip gradients with TrainerOptions.clipNorm, or check the"
              + " inputs)";
      if (options.nonFinite() == TrainerOptions.NonFinitePolicy.STOP) {
        throw new NonFiniteLossException(what + "; the batch's update was not applied");
      }
      if (options.out() != null && skipped < 3) {
        options.out().println("skipped " + bad + " batch" + (bad == 1 ? "" : "es") + ": " + what);
      }
      skipped += bad;
    }

    @Override
    public String stepMode() {
      if (step == null) {
        return "eager: no step ran";
      }
      return step.replays() > 0
          ? "captured"
          : "eager: " + (eagerReason != null ? eagerReason : step.eagerReason());
    }

    @Override
    public void close() {
      if (step != null) {
        step.close();
        step = null;
      }
    }
  }

  private final class FullBatchUpdater implements Updater {
    private final FullBatchOptimizer optimizer;

    FullBatchUpdater(FullBatchOptimizer optimizer) {
      this.optimizer = optimizer;
    }

    @Override
    public double learningRate() {
      return Double.NaN;
    }

    @Override
    public Evaluation epoch(
        Layer model,
        Loss loss,
        DataLoader train,
        int epochIndex,
        int firstBatch,
        TrainingState state,
        ProgressBar bar,
        boolean classification) {
      try (Batch all = train.all()) {
        FullBatchOptimizer.Result r =
            optimizer.step(
                () -> {
                  try (MemoryScope scope = MemoryScope.open()) {
                    Tensor l = loss.forward(model.forward(all.features()), all.targets());
                    l.backward();
                    return l.item();
                  }
                });
        if (!Double.isFinite(r.loss())) {
          throw new NonFiniteLossException(
              "non-finite loss "
                  + r.loss()
                  + " at epoch "
                  + state.epoch()
                  + " (full-batch optimizer); check the inputs");
        }
        state.addStep();
        try (var ignored = Autograd.noGrad();
            MemoryScope scope = MemoryScope.open()) {
          Tensor out = model.forward(all.features());
          double lossValue = loss.forward(out, all.targets()).item();
          return new Evaluation(lossValue, metricSum(out, all.targets()) / all.size(), all.size());
        }
      }
    }
  }
}
