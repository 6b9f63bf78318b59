package io.myelin.cli;

import io.myelin.Device;
import io.myelin.data.ArrayDataset;
import io.myelin.examples.LoadedDataset;
import io.myelin.examples.Losses;
import io.myelin.examples.PreparedData;
import io.myelin.examples.Report;
import io.myelin.examples.Scores;
import io.myelin.examples.Scoring;
import io.myelin.train.ConfusionMatrix;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code myelin evaluate DATASET --weights FILE}: scores saved weights on the dataset's test part
 * (the same split as training when given the same --seed and --test-split), preprocessed with the
 * statistics saved at training time.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Evaluate saved weights on a dataset's test split (or on every row with"
        + " --all).")
final class EvaluateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DATASET",
      description = "Dataset: " + DataArgs.DATASETS + ".")
  String dataset;

  @Mixin WeightsArgs weights = new WeightsArgs();
  @Mixin DataArgs data = new DataArgs();

  @Option(names = "--all", description = "Evaluate on every row instead of the test split"
      + " (default: off).")
  boolean all;

  @Option(names = "--device", paramLabel = "DEVICE",
      description = "auto, cpu, cuda or cuda:N (default: MYELIN_DEVICE, else auto).")
  String device;

  @Override
  public Integer call() throws Exception {
    Device dev = io.myelin.backend.DeviceManager.global().resolve(device);
    WeightsArgs.Loaded w = weights.load(dev);
    var loaded = data.load(dataset);
    ArrayDataset rows;
    if (all) {
      rows = loaded.data();
    } else {
      // the training split, without refitting statistics: the saved ones apply below
      var unscaled = new LoadedDataset(loaded.name(), loaded.data(), loaded.fixedTest(),
          loaded.preprocessing(), false, loaded.description());
      PreparedData p = PreparedData.of(unscaled, data.testSplit, 0, data.seed);
      rows = p.test() != null ? p.test() : p.train();
    }
    rows = w.file().preprocessing().standardize(rows);
    if (rows.cols() != w.file().spec().inputs()) {
      throw new Errors.BadInputException(dataset + " has " + rows.cols() + " features, the model "
          + w.file().spec().text() + " takes " + w.file().spec().inputs());
    }
    if (rows.isClassification() != w.file().classification()) {
      throw new Errors.BadInputException("the model was trained for " + w.file().task()
          + " but " + dataset + " is a " + (rows.isClassification() ? "classification" : "regression")
          + " set");
    }
    var loss = Losses.of(rows.isClassification(), w.model(), 0, 0);
    Scoring.Result r = Scoring.score(w.model(), loss, rows, dev);
    Scores s = r.scores();
    System.out.printf(Locale.ROOT, "%s on %s (%d rows, %s): loss %.4f, ", weights.weights, dataset,
        rows.rows(), all ? "all" : "test split", s.loss());
    if (rows.isClassification()) {
      System.out.printf(Locale.ROOT, "accuracy %.4f%n%n", s.accuracy());
      System.out.print(ConfusionMatrix.of(rows.labels(), r.predicted(), w.file().classes().size())
          .format(w.file().classes()));
    } else {
      System.out.printf(Locale.ROOT, "MSE %s, MAE %s, R^2 %s%n", Report.num(s.mse()),
          Report.num(s.mae()), Report.num(s.r2()));
    }
    return 0;
  }
}
