package io.myelin.spark;

import io.myelin.nn.Layer;
import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.Metric;
import io.myelin.train.NonFiniteLossException;
import io.myelin.train.TrainerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Data-parallel training on Spark: one barrier task per worker, each holding a model replica on its
 * executor's device and training on its partition's rows.
 *
 * <h2>Devices</h2>
 *
 * {@link #withDevice} takes the CLI's device spec ({@code auto}, {@code cpu}, {@code cuda}, {@code
 * cuda:N}; default {@code auto}: the executor's GPU where it has one, else its CPU), resolved on
 * each executor by core's {@link io.myelin.backend.DeviceManager}. Without an index, the tasks of
 * an executor with several devices spread over them: partition p takes device p mod count. The
 * model, its batches and its optimizer state live there; parameters and gradients cross the
 * exchange as host float32, so the exchange is the same bytes on any device. A device an executor
 * cannot use ends the job before any training step with an {@link IllegalArgumentException} naming
 * the spec (the tasks return the refusal rather than fail, so Spark does not retry a stage that
 * would fail the same way). The returned model is on the driver's CPU.
 *
 * <h2>Modes</h2>
 *
 * <ul>
 *   <li>{@link Mode#SYNCHRONOUS}: every step each replica computes the gradient of the mean loss
 *       over its batch of B rows; the gradients are averaged ({@link BarrierAllReduce}) and every
 *       replica applies the same update with its own optimizer (any optimizer: their states stay
 *       identical because their inputs are). With equal batches this is one process training on
 *       batches of N*B rows: batch k = the k-th B rows of partition 0, then of partition 1, ...
 *   <li>{@link Mode#PARAMETER_AVERAGING}: each replica steps on its own gradients; every K steps
 *       (and at the end of each epoch) the parameters are averaged. For plain SGD with K = 1 this
 *       equals the synchronous mode (the update is linear in the gradient).
 * </ul>
 *
 * <h2>Faults</h2>
 *
 * With {@link #withCheckpoint}, rank 0 writes a checkpoint ({@link
 * io.myelin.train.TrainingCheckpoints}' format) every few steps and at each epoch end. A failed
 * task fails its barrier stage; Spark relaunches the whole stage (as often as {@code
 * spark.stage.maxConsecutiveAttempts}, 4 by default; in local mode the master must allow task
 * retries, e.g. {@code local[2,2]}), and the new attempt resumes from the last checkpoint. In
 * synchronous mode the run then ends with the uninterrupted run's weights, bit for bit (the
 * replicas share one optimizer state; rank 0's is saved). In parameter-averaging mode checkpoints
 * are taken only right after an averaging; each replica's optimizer state is rank 0's after a
 * resume, which for stateful optimizers (momentum, Adam) differs slightly from the uninterrupted
 * run. The file must be on storage every executor reaches (local mode: any path).
 *
 * <h2>What is used from {@link TrainerOptions}</h2>
 *
 * {@code epochs}, {@code clipNorm}, {@code clipValue}, {@code out} and {@code logEvery} (the epoch
 * lines are printed on the driver when the job has finished). A non-finite loss stops every replica
 * and the driver throws {@link NonFiniteLossException}. Refused, before any job: gradient
 * accumulation, {@code SKIP_BATCH}, callbacks (they would run on executors, on a replica). There is
 * no validation set: validation columns of the history are NaN; score the returned model on the
 * driver.
 *
 * <p>Each epoch runs {@code min over ranks of ceil(rows_r / B)} steps so that all replicas reach
 * every barrier; rows of a larger partition past that are not used: partition the data evenly.
 *
 * <pre>{@code
 * var t = new SparkTrainer(sc, () -> new Sequential(new Linear(784, 128), ...),
 *     p -> new Adam(p, Adam.Options.defaults()), CrossEntropyLoss::new)
 *     .withWorkers(2).withCheckpoint(Path.of("/shared/run.ckpt"), 100);
 * SparkTrainer.Result r = t.fit(rows, TrainerOptions.defaults().withEpochs(5), 64,
 *     SparkTrainer.Mode.SYNCHRONOUS, 0, true);
 * r.history().writeCsv(Path.of("history.csv"));
 * }</pre>
 *
 * Thread-safety: immutable; {@code fit} runs one Spark job at a time per call.
 */
public final class SparkTrainer {
  /** How the replicas are kept in step. */
  public enum Mode {
    SYNCHRONOUS,
    PARAMETER_AVERAGING
  }

  /**
   * What the driver gets back.
   *
   * @param model the trained model, built by the factory on the driver with rank 0's parameters
   * @param history one record per epoch (loss and accuracy or MSE over all workers' rows)
   * @param bytesSentPerStep characters one worker sends per exchange (Base64 of the float32s)
   * @param stepsPerEpoch synchronised steps per epoch
   * @param stageAttempts attempts of the barrier stage (1 when no task failed)
   * @param resumedAtStep the global step of the checkpoint the last attempt resumed from, -1 if it
   *     started from the beginning
   * @param devices the device each replica ran on in the last attempt ({@code cpu}, {@code cuda:1},
   *     ...), by rank
   */
  public record Result(
      Layer model,
      History history,
      long bytesSentPerStep,
      int stepsPerEpoch,
      int stageAttempts,
      long resumedAtStep,
      List<String> devices) {}

  private final JavaSparkContext sc;
  private final ReplicaFactories.ModelFactory modelFactory;
  private final ReplicaFactories.OptimizerFactory optimizerFactory;
  private final ReplicaFactories.LossFactory lossFactory;
  private final int workers;
  private final Path checkpoint;
  private final int checkpointEvery;
  private final Long shuffleSeed;
  private final int failRank;
  private final long failStep;
  private final String device;
  private final int refuseRank;

  /** A trainer with one worker per partition of the rows, no checkpoints, no shuffling. */
  public SparkTrainer(
      JavaSparkContext sc,
      ReplicaFactories.ModelFactory modelFactory,
      ReplicaFactories.OptimizerFactory optimizerFactory,
      ReplicaFactories.LossFactory lossFactory) {
    this(sc, modelFactory, optimizerFactory, lossFactory, 0, null, 0, null, -1, -1, "auto", -1);
  }

  private SparkTrainer(
      JavaSparkContext sc,
      ReplicaFactories.ModelFactory modelFactory,
      ReplicaFactories.OptimizerFactory optimizerFactory,
      ReplicaFactories.LossFactory lossFactory,
      int workers,
      Path checkpoint,
      int checkpointEvery,
      Long shuffleSeed,
      int failRank,
      long failStep,
      String device,
      int refuseRank) {
    this.sc = sc;
    this.modelFactory = modelFactory;
    this.optimizerFactory = optimizerFactory;
    this.lossFactory = lossFactory;
    this.workers = workers;
    this.checkpoint = checkpoint;
    this.checkpointEvery = checkpointEvery;
    this.shuffleSeed = shuffleSeed;
    this.failRank = failRank;
    this.failStep = failStep;
    this.device = device;
    this.refuseRank = refuseRank;
  }

  /**
   * Trains with {@code n} workers: the rows' partitions are merged in order ({@code coalesce}, no
   * shuffle) down to {@code n}; fewer partitions than {@code n} is refused.
   */
  public SparkTrainer withWorkers(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + n);
    }
    return new SparkTrainer(
        sc,
        modelFactory,
        optimizerFactory,
        lossFactory,
        n,
        checkpoint,
        checkpointEvery,
        shuffleSeed,
        failRank,
        failStep,
        device,
        refuseRank);
  }

  /**
   * Rank 0 writes {@code file} (replaced atomically) at each epoch end and, when {@code everySteps
   * > 0}, every that many steps; a retried stage resumes from it.
   */
  public SparkTrainer withCheckpoint(Path file, int everySteps) {
    if (everySteps < 0) {
      throw new IllegalArgumentException(
          "checkpoint interval must be >= 0 steps (0: epoch ends" + " only), got " + everySteps);
    }
    return new SparkTrainer(
        sc,
        modelFactory,
        optimizerFactory,
        lossFactory,
        workers,
        file.toAbsolutePath(),
        everySteps,
        shuffleSeed,
        failRank,
        failStep,
        device,
        refuseRank);
  }

  /** Each worker visits its rows in a fresh order every epoch, drawn from (seed, epoch, rank). */
  public SparkTrainer withShuffle(long seed) {
    return new SparkTrainer(
        sc,
        modelFactory,
        optimizerFactory,
        lossFactory,
        workers,
        checkpoint,
        checkpointEvery,
        seed,
        failRank,
        failStep,
        device,
        refuseRank);
  }

  /**
   * Test hook: rank {@code rank} throws once, in the stage's first attempt, before {@code step}.
   */
  SparkTrainer failOnceAt(int rank, long step) {
    return new SparkTrainer(
        sc,
        modelFactory,
        optimizerFactory,
        lossFactory,
        workers,
        checkpoint,
        checkpointEvery,
        shuffleSeed,
        rank,
        step,
        device,
        refuseRank);
  }

  /** Test hook: rank {@code rank} finds its device unusable (the others' devices are fine). */
  SparkTrainer refuseDeviceOn(int rank) {
    return new SparkTrainer(
        sc,
        modelFactory,
        optimizerFactory,
        lossFactory,
        workers,
        checkpoint,
        checkpointEvery,
        shuffleSeed,
        failRank,
        failStep,
        device,
        rank);
  }

  /**
   * The replicas' device: {@code auto} (the default), {@code cpu}, {@code cuda} or {@code cuda:N},
   * as the CLI's {@code --device}; null or blank for each executor's configured device ({@code
   * MYELIN_DEVICE}, then {@code myelin.device}, then auto). See "Devices" above.
   *
   * @throws IllegalArgumentException for a spec of another form
   */
  public SparkTrainer withDevice(String spec) {
    return new SparkTrainer(
        sc,
        modelFactory,
        optimizerFactory,
        lossFactory,
        workers,
        checkpoint,
        checkpointEvery,
        shuffleSeed,
        failRank,
        failStep,
        ReplicaDevice.checkSpec(spec),
        refuseRank);
  }

  /**
   * Trains on {@code rows}.
   *
   * @param batchSize per-worker batch B
   * @param averageEvery K for {@link Mode#PARAMETER_AVERAGING}, ignored otherwise
   * @param classIndices targets are one class index each (stored as a float) for losses such as
   *     cross-entropy; otherwise target rows
   * @throws IllegalArgumentException before any training task starts (and before any checkpoint is
   *     written) for a batch size below 1, options this trainer does not support, a model factory
   *     that fails, fewer partitions than workers, a partition without rows, or more workers than
   *     the cluster has task slots; and, before any training step, for a device that an executor
   *     cannot use (the first such rank's reason, naming the spec)
   * @throws NonFiniteLossException when a loss became NaN or infinite
   */
  public Result fit(
      JavaRDD<Sample> rows,
      TrainerOptions options,
      int batchSize,
      Mode mode,
      int averageEvery,
      boolean classIndices) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    if (mode == Mode.PARAMETER_AVERAGING && averageEvery < 1) {
      throw new IllegalArgumentException("averageEvery must be at least 1, got " + averageEvery);
    }
    checkOptions(options);
    Layer model = build(modelFactory);
    if (sc.sc().isStopped()) {
      throw new IllegalArgumentException(
          "the SparkContext is stopped (its master may have been" + " lost); create a new one");
    }
    JavaRDD<Sample> data = SparkChecks.partitionsForWorkers(rows, workers);
    SparkChecks.taskSlots(sc, data.getNumPartitions());
    SparkChecks.rowsPerPartition(data, batchSize);
    TrainingPlan plan =
        new TrainingPlan(
            UUID.randomUUID().toString(),
            batchSize,
            options.epochs(),
            mode,
            averageEvery,
            classIndices,
            options.clipNorm(),
            options.clipValue(),
            checkpoint == null ? null : checkpoint.toString(),
            checkpointEvery,
            shuffleSeed,
            failRank,
            failStep,
            device,
            refuseRank);
    ReplicaFactories.ModelFactory mf = modelFactory;
    ReplicaFactories.OptimizerFactory of = optimizerFactory;
    ReplicaFactories.LossFactory lf = lossFactory;
    List<TaskResult> results;
    try {
      // The shuffle after the barrier stage makes it a shuffle-map stage: Spark relaunches a
      // failed barrier shuffle-map stage, while a failed barrier result stage aborts the job.
      results =
          Barrier.mapPartitions(
                  data,
                  (Iterator<Sample> it) -> ReplicaLoop.run(it, plan, mf, of, lf),
                  TaskResult.class)
              .repartition(1)
              .collect();
    } catch (Exception e) { // Scala throws SparkException (checked) without declaring it
      throw failure(e);
    }
    TaskResult rank0 = results.stream().filter(r -> r.rank() == 0).findFirst().orElseThrow();
    if (rank0.refused() != null) {
      throw new IllegalArgumentException(rank0.refused());
    }
    if (rank0.stopped() != null) {
      throw new NonFiniteLossException(rank0.stopped());
    }
    Flat.setValues(model.parameters(), rank0.parameters());
    model.eval();
    History history = new History(classIndices ? Metric.ACCURACY : Metric.MSE);
    for (double[] e : rank0.epochs()) {
      history.add(
          new EpochRecord(
              (int) e[0],
              e[1],
              e[2],
              e[3],
              e[4],
              Double.NaN,
              Double.NaN,
              (long) e[5],
              history.metric()));
    }
    print(options, history);
    List<String> devices =
        results.stream()
            .sorted(Comparator.comparingInt(TaskResult::rank))
            .map(TaskResult::device)
            .toList();
    return new Result(
        model,
        history,
        rank0.bytesSentPerStep(),
        rank0.stepsPerEpoch(),
        rank0.stageAttempt() + 1,
        rank0.resumedAt(),
        devices);
  }

  private static void checkOptions(TrainerOptions o) {
    List<String> refused = new ArrayList<>();
    if (o.accumulationSteps() != 1) {
      refused.add(
          "gradient accumulation ("
              + o.accumulationSteps()
              + " steps): raise the batch"
              + " size or the workers instead");
    }
    if (o.nonFinite() != TrainerOptions.NonFinitePolicy.STOP) {
      refused.add("nonFinite " + o.nonFinite() + " (only STOP)");
    }
    if (!o.callbacks().isEmpty()) {
      refused.add(o.callbacks().size() + " callback(s) (use withCheckpoint for checkpoints)");
    }
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException(
          "SparkTrainer does not support " + String.join("; ", refused));
    }
  }

  /** The driver's message for a failed job: the first task's own exception, not Spark's wrapper. */
  private static RuntimeException failure(Exception e) {
    if (e instanceof SparkException || e.getCause() instanceof SparkException) {
      String msg = String.valueOf(e.getMessage());
      // Spark's text is "Job aborted due to stage failure: ... : <exception>: <message>\n<stack>"
      int nl = msg.indexOf('\n');
      return new IllegalStateException(
          "Spark training failed: " + (nl < 0 ? msg : msg.substring(0, nl)), e);
    }
    return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
  }

  private static void print(TrainerOptions options, History history) {
    if (options.out() == null) {
      return;
    }
    for (EpochRecord r : history.epochs()) {
      if (r.epoch() % options.logEvery() == 0 || r.epoch() == options.epochs()) {
        options
            .out()
            .printf(
                Locale.ROOT,
                "epoch %d/%d  loss %.4f  %s %.4f  (%.1f s)%n",
                r.epoch(),
                options.epochs(),
                r.trainLoss(),
                history.metricName(),
                r.trainMetric(),
                r.seconds());
      }
    }
  }

  static Layer build(ReplicaFactories.ModelFactory f) {
    Layer m;
    try {
      m = f.create();
    } catch (Exception e) {
      throw new IllegalArgumentException("the model factory failed: " + e, e);
    }
    if (m == null) {
      throw new IllegalArgumentException("the model factory returned null");
    }
    return m;
  }
}
