package io.myelin.cli;

import io.myelin.Generator;
import io.myelin.data.ArrayDataset;
import io.myelin.examples.Losses;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelSpec;
import io.myelin.nn.Layer;
import io.myelin.spark.ReplicaFactories;
import io.myelin.spark.Sample;
import io.myelin.spark.SparkContexts;
import io.myelin.spark.SparkTrainer;
import io.myelin.train.History;
import io.myelin.train.TrainerOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The {@code --spark} branch of {@code myelin train}: the same data, model, optimizer and outputs,
 * trained by {@link SparkTrainer}. The only class of the CLI that touches Spark; it lives in module
 * cli-spark, so the command line's own build and class path hold no Spark, and {@link
 * SparkTraining#load} creates it (by name) only when {@code --spark} is given; {@code ./myelin}
 * then builds cli-spark and puts its class path, Spark included, on the JVM's.
 */
final class SparkRun implements SparkTraining {
  SparkRun() {}

  /**
   * What the local path gets from its Trainer: the history; the weights are copied into {@code
   * net}. {@code device} is {@code --device} as given (null: each executor's configured device),
   * resolved on every executor for its replicas.
   */
  @Override
  public History train(
      SparkArgs args,
      ModelSpec spec,
      long seed,
      OptimizerArgs optim,
      ArrayDataset train,
      boolean classify,
      int batchSize,
      boolean shuffle,
      TrainerOptions options,
      Path checkpoint,
      Layer net,
      PrintStream out,
      String device) {
    int workers = args.workers();
    List<Sample> rows = samples(train, classify, shuffle ? seed : null);
    // Serializable factories: each replica builds the model as this process did (same seed).
    ReplicaFactories.ModelFactory model = () -> Mlp.build(spec, new Generator(seed));
    ReplicaFactories.OptimizerFactory optimizer = optim::perBatch;
    ReplicaFactories.LossFactory loss = () -> Losses.of(classify, null, 0, 0);
    // The CLI logs through slf4j-simple, which reads a logger's level when the logger is made:
    // Spark's INFO chatter is kept off the terminal unless the user asked for it.
    for (String pkg :
        List.of("org.apache.spark", "org.sparkproject", "io.netty", "org.apache.hadoop")) {
      String key = "org.slf4j.simpleLogger.log." + pkg;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "warn");
      }
    }
    JavaSparkContext sc;
    try {
      sc = SparkContexts.open(args.master.strip(), "myelin train", Duration.ofSeconds(10));
    } catch (IllegalArgumentException e) {
      throw new Errors.BadInputException("--spark: " + e.getMessage());
    }
    try {
      out.printf(
          "spark:    %s, %d workers x batch %d, %s%n",
          args.master,
          workers,
          batchSize,
          args.averageEvery == 0
              ? "gradients averaged every step"
              : "parameters averaged every " + args.averageEvery + " steps");
      SparkTrainer t;
      try {
        t = new SparkTrainer(sc, model, optimizer, loss).withWorkers(workers).withDevice(device);
      } catch (IllegalArgumentException e) {
        throw new Errors.BadInputException("--device: " + e.getMessage());
      }
      if (shuffle) {
        t = t.withShuffle(seed);
      }
      if (checkpoint != null) {
        t = t.withCheckpoint(checkpoint, 0);
      }
      SparkTrainer.Result r;
      try {
        r =
            t.fit(
                sc.parallelize(rows, workers),
                options,
                batchSize,
                args.averageEvery == 0
                    ? SparkTrainer.Mode.SYNCHRONOUS
                    : SparkTrainer.Mode.PARAMETER_AVERAGING,
                args.averageEvery,
                classify);
      } catch (IllegalArgumentException e) {
        throw new Errors.BadInputException("--spark: " + e.getMessage());
      }
      net.loadStateDict(r.model().stateDict(), true);
      out.printf(
          "spark:    %d steps per epoch, %,d bytes sent per worker and step, %d stage"
              + " attempt(s), replicas on %s%n",
          r.stepsPerEpoch(),
          r.bytesSentPerStep(),
          r.stageAttempts(),
          String.join(", ", r.devices()));
      return r.history();
    } finally {
      sc.stop();
    }
  }

  /** The training rows, in a seeded random order when shuffling (so each worker gets a mix). */
  private static List<Sample> samples(ArrayDataset d, boolean classify, Long seed) {
    int[] order = new int[d.rows()];
    Arrays.setAll(order, i -> i);
    if (seed != null) {
      SplittableRandom r = new SplittableRandom(seed);
      for (int i = order.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    List<Sample> rows = new ArrayList<>(d.rows());
    for (int i : order) {
      float[] x = Arrays.copyOfRange(d.features(), i * d.cols(), (i + 1) * d.cols());
      float[] y =
          classify
              ? new float[] {d.labels()[i]}
              : Arrays.copyOfRange(d.targets(), i * d.targetCols(), (i + 1) * d.targetCols());
      rows.add(new Sample(x, y));
    }
    return rows;
  }
}
