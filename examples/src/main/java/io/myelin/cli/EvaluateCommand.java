package io.myelin.cli;

import io.myelin.Device;
import io.myelin.data.ArrayDataset;
import io.myelin.examples.LoadedDataset;
import io.myelin.examples.Losses;
import io.myelin.examples.ModelFile;
import io.myelin.examples.PreparedData;
import io.myelin.examples.Report;
import io.myelin.examples.Scores;
import io.myelin.examples.Scoring;
import io.myelin.train.ConfusionMatrix;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code myelin evaluate DATASET --weights FILE}: scores saved weights on the dataset's test part,
 * preprocessed with the statistics saved at training time. By default the test part is the one the
 * model was trained without: the seed and fraction recorded in its model file. {@code --seed} or
 * {@code --test-split} choose another split, with a note that it may include training rows. Options
 * that cannot apply (the saved preprocessing is always used) are refused.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Evaluate saved weights on the test split they were trained without (recorded"
            + " in the model file), another split with --seed / --test-split, or every row with --all.")
final class EvaluateCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DATASET",
      description = "Dataset: " + DataArgs.DATASETS + ".")
  String dataset;

  @Mixin WeightsArgs weights = new WeightsArgs();
  @Mixin DataArgs data = new DataArgs();

  @Option(
      names = "--all",
      description = "Evaluate on every row instead of the test split" + " (default: off).")
  boolean all;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      description = "auto, cpu, cuda or cuda:N (default: MYELIN_DEVICE, else auto).")
  String device;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var parsed = spec.commandLine().getParseResult();
    for (String refused : new String[] {"--standardize", "--val-split"}) {
      if (parsed.hasMatchedOption(refused)) {
        throw new Errors.BadInputException(
            refused
                + " does not apply to evaluate: the model's"
                + " saved preprocessing is used, and every row of the test split is scored");
      }
    }
    Device dev = io.myelin.backend.DeviceManager.global().resolve(device);
    WeightsArgs.Loaded w = weights.load(dev);
    var loaded = data.load(dataset);
    ArrayDataset rows;
    String which;
    if (all) {
      rows = loaded.data();
      which = "all";
    } else {
      ModelFile.Split trained = w.file().split();
      boolean asked = parsed.hasMatchedOption("--seed") || parsed.hasMatchedOption("--test-split");
      long seed = asked || trained == null ? data.seed : trained.seed();
      double fraction = asked || trained == null ? data.testSplit : trained.testFraction();
      if (trained == null) {
        which =
            "test split: seed "
                + seed
                + ", "
                + Report.num(fraction)
                + " - the model file does not record its training split";
      } else if (asked && (seed != trained.seed() || fraction != trained.testFraction())) {
        which =
            "test split: seed "
                + seed
                + ", "
                + Report.num(fraction)
                + " - note: not the model's"
                + " own (seed "
                + trained.seed()
                + ", "
                + Report.num(trained.testFraction())
                + "), so it may hold rows the model was trained on";
      } else {
        which = "the model's own test split: seed " + seed + ", " + Report.num(fraction);
      }
      // the training split, without refitting statistics: the saved ones apply below
      var unscaled =
          new LoadedDataset(
              loaded.name(),
              loaded.data(),
              loaded.fixedTest(),
              loaded.preprocessing(),
              false,
              loaded.description());
      PreparedData p = PreparedData.of(unscaled, fraction, 0, seed);
      rows = p.test() != null ? p.test() : p.train();
    }
    rows = w.file().preprocessing().standardize(rows);
    if (rows.cols() != w.file().spec().inputs()) {
      throw new Errors.BadInputException(
          dataset
              + " has "
              + rows.cols()
              + " features, the model "
              + w.file().spec().text()
              + " takes "
              + w.file().spec().inputs());
    }
    if (rows.isClassification() != w.file().classification()) {
      throw new Errors.BadInputException(
          "the model was trained for "
              + w.file().task()
              + " but "
              + dataset
              + " is a "
              + (rows.isClassification() ? "classification" : "regression")
              + " set");
    }
    var loss = Losses.of(rows.isClassification(), w.model(), 0, 0);
    Scoring.Result r = Scoring.score(w.model(), loss, rows, dev);
    Scores s = r.scores();
    System.out.printf(
        Locale.ROOT,
        "%s on %s (%d rows, %s): loss %.4f, ",
        weights.weights,
        dataset,
        rows.rows(),
        which,
        s.loss());
    if (rows.isClassification()) {
      System.out.printf(Locale.ROOT, "accuracy %.4f%n%n", s.accuracy());
      System.out.print(
          ConfusionMatrix.of(rows.labels(), r.predicted(), w.file().classes().size())
              .format(w.file().classes()));
    } else {
      System.out.printf(
          Locale.ROOT,
          "MSE %s, MAE %s, R^2 %s%n",
          Report.num(s.mse()),
          Report.num(s.mae()),
          Report.num(s.r2()));
    }
    return 0;
  }
}
