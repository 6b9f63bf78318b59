package io.myelin.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * {@code --spark MASTER --workers N}: train data-parallel on Spark (module engine-spark). Only
 * strings and numbers here: nothing of Spark is loaded unless {@code --spark} is given.
 */
final class SparkArgs {
  private static final Pattern LOCAL_N = Pattern.compile("local\\[([1-9][0-9]*)(,[1-9][0-9]*)?\\]");

  @Option(
      names = "--spark",
      paramLabel = "MASTER",
      description =
          "Train data-parallel on Spark: local[N], local[N,F] (F attempts per task, so"
              + " a failed stage is retried and resumes from --checkpoint) or spark://host:port;"
              + " --batch-size is then per worker (default: train in this process).")
  String master;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description =
          "Spark workers (model replicas, one barrier task each; default: N of" + " local[N]).")
  Integer workers;

  @Option(
      names = "--average-every",
      paramLabel = "K",
      defaultValue = "0",
      description =
          "With --spark: average parameters every K steps (local SGD) instead of"
              + " averaging gradients every step; 0 for synchronous (default: ${DEFAULT-VALUE}).")
  int averageEvery;

  boolean enabled() {
    return master != null;
  }

  /** The worker count, checked; call only when {@link #enabled()}. */
  int workers() {
    if (workers != null) {
      if (workers < 1) {
        throw new Errors.BadInputException("--workers must be at least 1, got " + workers);
      }
      return workers;
    }
    Matcher m = LOCAL_N.matcher(master.strip());
    if (m.matches()) {
      return Integer.parseInt(m.group(1));
    }
    throw new Errors.BadInputException(
        "--spark " + master + " needs --workers N (how many model" + " replicas to train)");
  }

  void validate() {
    if (!enabled()) {
      if (workers != null || averageEvery != 0) {
        throw new Errors.BadInputException(
            (workers != null ? "--workers" : "--average-every")
                + " applies only with --spark MASTER");
      }
      return;
    }
    workers();
    if (averageEvery < 0) {
      throw new Errors.BadInputException(
          "--average-every must be >= 0 (0 = synchronous), got " + averageEvery);
    }
  }
}
