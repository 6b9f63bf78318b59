package io.myelin.cli;

import io.myelin.examples.LogisticRegressionExample;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code myelin train DATASET}. For now it trains the README's logistic regression on its
 * synthetic set; the dataset runners (diabetes, digits, MNIST, CSV) arrive with the command-line
 * issue.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a model (today: logistic regression on a synthetic set).")
final class TrainCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", defaultValue = "synthetic",
      description = "Dataset (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Override
  public Integer call() {
    if (!dataset.equals("synthetic")) {
      System.err.println("myelin train: unknown dataset '" + dataset + "' (available: synthetic)");
      return 2;
    }
    LogisticRegressionExample.main(new String[0]);
    return 0;
  }
}
