package io.myelin.cli;

import picocli.CommandLine.ParseResult;

/**
 * The training setup a built-in dataset runs with when the command line does not say otherwise, so
 * that {@code myelin train diabetes} alone reproduces the course notebook: 8-20-20-2, Adam with lr
 * 0.01, full batch, 700 epochs (the options' generic defaults - SGD 0.1, batch 32, 10 epochs -
 * leave this raw-feature data set at the majority class, 0.65). Every option given on the command
 * line wins; the other datasets use the options' own defaults.
 */
final class DatasetDefaults {
  private DatasetDefaults() {}

  /** One line for the DATASET help text. */
  static final String HELP =
      "diabetes trains with the course notebook's setup (mlp:8-20-20-2,"
          + " adam, lr 0.01, full batch, 700 epochs) where no option says otherwise";

  static void apply(
      String dataset, ParseResult given, ModelArgs model, OptimizerArgs optim, RunArgs run) {
    if (!"diabetes".equals(dataset)) {
      return;
    }
    if (!given.hasMatchedOption("--model")) {
      model.model = "mlp:8-20-20-2";
    }
    if (!given.hasMatchedOption("--optimizer")) {
      optim.optimizer = "adam";
      if (!given.hasMatchedOption("--lr")) {
        optim.lr = 0.01;
      }
    }
    if (!given.hasMatchedOption("--epochs")) {
      run.epochs = 700;
    }
    if (!given.hasMatchedOption("--batch-size")) {
      run.batchSize = 0;
    }
  }
}
