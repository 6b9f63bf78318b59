package io.myelin.cli;

import io.myelin.data.ArrayDataset;
import io.myelin.examples.ModelSpec;
import io.myelin.nn.Layer;
import io.myelin.train.History;
import io.myelin.train.TrainerOptions;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The {@code --spark} branch of {@code myelin train}, implemented by {@code SparkRun} in the
 * separately built module cli-spark (same package, another jar). The command line's own class path
 * holds no Spark class and its build downloads no Spark jar; {@code ./myelin} builds cli-spark and
 * adds its class path (Spark included) only when the arguments hold {@code --spark}.
 */
interface SparkTraining {
  /** The implementation's class, in cli-spark. */
  String IMPLEMENTATION = "io.myelin.cli.SparkRun";

  /**
   * Trains {@code net} on Spark (its weights are replaced by the trained ones) and returns the
   * history. {@code device} is {@code --device} as given (null: each executor's own choice).
   */
  History train(
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
      String device);

  /**
   * The cli-spark implementation.
   *
   * @throws Errors.BadInputException when cli-spark is not on the class path, saying how to get it
   */
  static SparkTraining load() {
    Class<?> c;
    try {
      c = Class.forName(IMPLEMENTATION, true, SparkTraining.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new Errors.BadInputException(
          "--spark needs the Spark add-on (module cli-spark and Spark's jars), which is not on"
              + " this class path: run through ./myelin, which builds it and adds it for --spark"
              + " (or put cli-spark/target/classes and cli-spark/target/classpath.txt on -cp)");
    }
    try {
      return (SparkTraining) c.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(IMPLEMENTATION + " cannot be created", e);
    }
  }
}
