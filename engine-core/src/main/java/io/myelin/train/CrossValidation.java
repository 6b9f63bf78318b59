package io.myelin.train;

import io.myelin.data.ArrayDataset;
import io.myelin.data.Fold;
import io.myelin.data.KFold;
import java.util.ArrayList;
import java.util.List;

/**
 * K-fold evaluation of a model factory, as scikit-learn's {@code cross_val_score}: for each fold
 * the {@link Trial} builds a fresh model (and optimizer, scaler...), trains it on the other folds
 * and scores it on this one; the folds are stratified by class for classification data (a class
 * keeps its share in every fold), plain for regression.
 *
 * <pre>{@code
 * CrossValidation.Result r = CrossValidation.kFold(data, new KFold(5, true, 0), (train, val, fold) -> {
 *   Layer m = buildModel(fold);
 *   Trainer t = new Trainer(TrainerOptions.defaults().withEpochs(50).withOut(null));
 *   try (var tl = new DataLoader(train, DataLoader.Options.batches(32).shuffled(fold), Device.CPU);
 *        var vl = new DataLoader(val, DataLoader.Options.batches(256), Device.CPU)) {
 *     t.fit(m, new CrossEntropyLoss(), new Adam(m.parameters(), Adam.Options.defaults()), tl, null);
 *     return t.evaluate(m, new CrossEntropyLoss(), vl);
 *   }
 * });
 * System.out.printf("accuracy %.3f +- %.3f%n", r.meanMetric(), r.stdMetric());
 * }</pre>
 *
 * <p>Preprocessing that learns from data (a {@link io.myelin.data.StandardScaler}) belongs inside
 * the trial, fitted on {@code train} only, so no statistic of the held-out fold leaks in.
 */
public final class CrossValidation {
  private CrossValidation() {}

  /** Trains on {@code train} and returns the evaluation on {@code validation}. */
  @FunctionalInterface
  public interface Trial {
    Trainer.Evaluation run(ArrayDataset train, ArrayDataset validation, int fold) throws Exception;
  }

  /**
   * The evaluation of every fold, in fold order.
   *
   * @param folds one evaluation per fold, at least one
   */
  public record Result(List<Trainer.Evaluation> folds) {
    public Result {
      if (folds.isEmpty()) {
        throw new IllegalArgumentException("a cross-validation result needs at least one fold");
      }
      folds = List.copyOf(folds);
    }

    /** Mean of the folds' metrics (accuracy for classification, MSE for regression). */
    public double meanMetric() {
      return mean(true);
    }

    /** Sample standard deviation of the folds' metrics (0 for one fold). */
    public double stdMetric() {
      return std(true);
    }

    /** Mean of the folds' losses. */
    public double meanLoss() {
      return mean(false);
    }

    /** Sample standard deviation of the folds' losses (0 for one fold). */
    public double stdLoss() {
      return std(false);
    }

    private double value(Trainer.Evaluation e, boolean metric) {
      return metric ? e.metric() : e.loss();
    }

    private double mean(boolean metric) {
      double s = 0;
      for (Trainer.Evaluation e : folds) {
        s += value(e, metric);
      }
      return s / folds.size();
    }

    private double std(boolean metric) {
      if (folds.size() < 2) {
        return 0;
      }
      double m = mean(metric);
      double q = 0;
      for (Trainer.Evaluation e : folds) {
        double d = value(e, metric) - m;
        q += d * d;
      }
      return Math.sqrt(q / (folds.size() - 1));
    }
  }

  /**
   * Runs {@code trial} once per fold of {@code data}.
   *
   * @throws Exception whatever a trial throws, with the fold named in a suppressed note
   */
  public static Result kFold(ArrayDataset data, KFold kfold, Trial trial) throws Exception {
    List<Fold> folds =
        data.isClassification() ? kfold.splitStratified(data.labels()) : kfold.split(data.rows());
    List<Trainer.Evaluation> out = new ArrayList<>(folds.size());
    for (Fold f : folds) {
      try {
        out.add(trial.run(data.select(f.train()), data.select(f.validation()), f.index()));
      } catch (Exception e) {
        e.addSuppressed(new IllegalStateException("in fold " + f.index() + " of " + kfold.k()));
        throw e;
      }
    }
    return new Result(out);
  }
}
