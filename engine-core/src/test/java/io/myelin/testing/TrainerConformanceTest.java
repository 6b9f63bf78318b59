package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.data.ArrayDataset;
import io.myelin.data.CsvReader;
import io.myelin.data.DataLoader;
import io.myelin.data.KFold;
import io.myelin.data.Split;
import io.myelin.data.Splits;
import io.myelin.data.StandardScaler;
import io.myelin.data.Synthetic;
import io.myelin.data.TestData;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.loss.Loss;
import io.myelin.loss.MSELoss;
import io.myelin.loss.Penalty;
import io.myelin.nn.Activation;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.optim.LBFGS;
import io.myelin.optim.SGD;
import io.myelin.train.BestCheckpoint;
import io.myelin.train.Callback;
import io.myelin.train.CrossValidation;
import io.myelin.train.EarlyStopping;
import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.HyperparameterSearch;
import io.myelin.train.NonFiniteLossException;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;
import io.myelin.train.TrainingCheckpoints;
import io.myelin.train.TrainingState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Trainer end to end on the device under test: learning, early stopping, full-batch optimizers,
 * NaN guard, gradient accumulation, concurrency, and the real-data accuracy targets of the training
 * issue (Pima >= 0.75, digits >= 0.96).
 */
public abstract class TrainerConformanceTest extends DeviceTestBase {

  /** When the suite's fits use captured graphs (a subclass runs it all with ON). */
  protected TrainerOptions.Graphs graphs() {
    return TrainerOptions.Graphs.AUTO;
  }

  private TrainerOptions quiet(int epochs) {
    return TrainerOptions.defaults().withEpochs(epochs).withOut(null).withGraphs(graphs());
  }

  private Layer mlp(long seed, int... sizes) {
    Generator g = new Generator(seed);
    Sequential s = new Sequential();
    for (int i = 0; i + 1 < sizes.length; i++) {
      s.add(new Linear(sizes[i], sizes[i + 1], true, g));
      if (i + 2 < sizes.length) {
        s.add(Activation.byName("relu").layer());
      }
    }
    return s.to(device());
  }

  private DataLoader loader(ArrayDataset d, int batch, long seed) {
    return new DataLoader(d, DataLoader.Options.batches(batch).shuffled(seed), device());
  }

  /** Graphs change how a step is issued, not what it computes: same history, same weights. */
  @Test
  void graphsOnAndOffGiveTheSameHistoryAndWeights() {
    ArrayDataset all = Synthetic.moons(300, 0.2, 7);
    List<EpochRecord> reference = null;
    float[][] weights = null;
    for (TrainerOptions.Graphs mode : TrainerOptions.Graphs.values()) {
      Layer model = mlp(8, 2, 12, 9, 2);
      Adam adam = new Adam(model.parameters(), Adam.Options.defaults().withLr(0.01));
      // 300 rows in batches of 32: a smaller last batch every epoch (a second graph).
      try (DataLoader train = loader(all, 32, 9)) {
        History h =
            new Trainer(quiet(6).withGraphs(mode))
                .fit(model, new CrossEntropyLoss(), adam, train, null);
        float[][] w = model.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
        if (reference == null) {
          reference = h.epochs();
          weights = w;
          continue;
        }
        for (int e = 0; e < reference.size(); e++) {
          EpochRecord a = reference.get(e);
          EpochRecord b = h.epochs().get(e);
          assertEquals(a.trainLoss(), b.trainLoss(), mode + ": loss of epoch " + (e + 1));
          assertEquals(a.trainMetric(), b.trainMetric(), mode + ": accuracy of epoch " + (e + 1));
          assertEquals(a.samples(), b.samples());
        }
        for (int k = 0; k < w.length; k++) {
          assertArrayEquals(weights[k], w[k], mode + ": parameter " + k);
        }
      }
    }
  }

  @Test
  void fitLearnsTwoMoonsAndTheLossFalls() {
    ArrayDataset all = Synthetic.moons(600, 0.1, 1);
    Split s = Splits.stratified(all.labels(), 0.2, 0, 2);
    Layer model = mlp(3, 2, 16, 16, 2);
    Trainer trainer = new Trainer(quiet(40));
    try (DataLoader train = loader(all.select(s.train()), 32, 4);
        DataLoader val = loader(all.select(s.validation()), 64, 5)) {
      History h =
          trainer.fit(
              model,
              new CrossEntropyLoss(),
              new Adam(model.parameters(), Adam.Options.defaults().withLr(0.01)),
              train,
              val);
      assertEquals(40, h.size());
      EpochRecord first = h.epochs().get(0);
      EpochRecord last = h.last();
      assertTrue(last.trainLoss() < 0.3 * first.trainLoss(), first + " -> " + last);
      assertTrue(last.validationMetric() > 0.95, "validation accuracy " + last.validationMetric());
      // The named accessors read the same figures, and refuse the other kind's names.
      assertEquals(io.myelin.train.Metric.ACCURACY, last.metric());
      assertEquals(last.trainMetric(), last.trainAccuracy());
      assertEquals(last.validationMetric(), last.validationAccuracy());
      var wrong = assertThrows(IllegalStateException.class, last::validationMse);
      assertTrue(wrong.getMessage().contains("use validationAccuracy()"), wrong.getMessage());
      assertTrue(
          h.toCsv()
              .startsWith("epoch,seconds,lr,train_loss,train_accuracy,val_loss,val_accuracy\n"));
      Trainer.Evaluation e = trainer.evaluate(model, new CrossEntropyLoss(), val);
      assertEquals(last.validationLoss(), e.loss(), 1e-6);
    }
  }

  @Test
  void regressionUsesMseAsTheMetric() {
    int n = 200;
    float[] x = randomFloats(11, n * 3, -1, 1);
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = 2 * x[3 * i] - x[3 * i + 1] + 0.5f * x[3 * i + 2] + 0.3f;
    }
    ArrayDataset d = ArrayDataset.regression(x, n, 3, y, 1);
    Layer model = mlp(12, 3, 1);
    try (DataLoader train = loader(d, 20, 13)) {
      History h =
          new Trainer(quiet(60))
              .fit(
                  model,
                  new MSELoss(),
                  new SGD(model.parameters(), SGD.Options.of(0.1)),
                  train,
                  null);
      assertEquals("mse", h.metricName());
      assertTrue(h.last().trainMetric() < 1e-4, "mse " + h.last().trainMetric());
      assertEquals(h.last().trainMetric(), h.last().trainMse());
      assertTrue(Double.isNaN(h.last().validationMse()), "no validation set");
      var wrong = assertThrows(IllegalStateException.class, () -> h.last().trainAccuracy());
      assertTrue(wrong.getMessage().contains("regression"), wrong.getMessage());
      assertTrue(wrong.getMessage().contains("use trainMse()"), wrong.getMessage());
      assertTrue(Double.isNaN(h.last().validationLoss()));
    }
  }

  @Test
  void earlyStoppingStopsAndRestoresTheBestWeights() {
    ArrayDataset all = Synthetic.blobs(300, 3, 4, 3.0, 21);
    Split s = Splits.stratified(all.labels(), 0.3, 0, 22);
    Layer model = mlp(23, 4, 32, 3);
    EarlyStopping stop = new EarlyStopping(EarlyStopping.Monitor.VAL_LOSS, 3, 0.0, true);
    try (DataLoader train = loader(all.select(s.train()), 16, 24);
        DataLoader val = loader(all.select(s.validation()), 64, 25)) {
      // A high learning rate makes the validation loss bounce, so patience runs out early.
      Trainer trainer = new Trainer(quiet(200).withCallbacks(List.of(stop)));
      History h =
          trainer.fit(
              model,
              new CrossEntropyLoss(),
              new SGD(model.parameters(), SGD.Options.of(0.5)),
              train,
              val);
      assertTrue(h.size() < 200, "stopped early after " + h.size() + " epochs");
      double restored = trainer.evaluate(model, new CrossEntropyLoss(), val).loss();
      assertEquals(stop.bestValue(), restored, 1e-6, "the best epoch's weights are back");
    }
  }

  /**
   * "Best and last" checkpoints: the best file holds the epoch with the lowest validation loss and
   * that epoch's weights; the last file holds the final epoch.
   */
  @Test
  void bestAndLastCheckpointsHoldTheirEpochs(@TempDir Path dir) throws Exception {
    ArrayDataset all = Synthetic.blobs(300, 3, 4, 3.0, 41);
    Split s = Splits.stratified(all.labels(), 0.3, 0, 42);
    Layer model = mlp(43, 4, 32, 3);
    SGD sgd = new SGD(model.parameters(), SGD.Options.of(0.5));
    Path bestFile = dir.resolve("best.ckpt");
    Path lastFile = dir.resolve("last.ckpt");
    BestCheckpoint best = BestCheckpoint.minimizingValidationLoss(bestFile, model, sgd, Map.of());
    List<float[]> weightsAfter = new java.util.ArrayList<>();
    Callback record =
        new Callback() {
          @Override
          public void onEpochEnd(TrainingState state, EpochRecord r) {
            weightsAfter.add(model.parameters().get(0).toFloatArray());
          }
        };
    try (DataLoader train = loader(all.select(s.train()), 16, 44);
        DataLoader val = loader(all.select(s.validation()), 64, 45)) {
      History h =
          new Trainer(
                  quiet(12)
                      .withCallbacks(
                          List.of(
                              record,
                              best,
                              TrainingCheckpoints.everyEpoch(
                                  lastFile, model, sgd, Map.of(), Map.of()))))
              .fit(model, new CrossEntropyLoss(), sgd, train, val);
      int argmin = 0;
      for (int e = 1; e < h.size(); e++) {
        if (h.epochs().get(e).validationLoss() < h.epochs().get(argmin).validationLoss()) {
          argmin = e;
        }
      }
      assertTrue(argmin + 1 < 12, "the best epoch is not the last one here: " + (argmin + 1));
      assertEquals(argmin + 1, best.bestEpoch());
      assertEquals(h.epochs().get(argmin).validationLoss(), best.best());
      Layer fresh = mlp(99, 4, 32, 3);
      SGD freshSgd = new SGD(fresh.parameters(), SGD.Options.of(0.5));
      assertEquals(
          argmin + 1, TrainingCheckpoints.load(bestFile, fresh, freshSgd, Map.of()).epoch());
      assertArrayEquals(
          weightsAfter.get(argmin),
          fresh.parameters().get(0).toFloatArray(),
          "the best file holds the best epoch's weights");
      assertEquals(12, TrainingCheckpoints.load(lastFile, fresh, freshSgd, Map.of()).epoch());
    }
    try (DataLoader train = loader(all.select(s.train()), 16, 44)) {
      var e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  new Trainer(quiet(1).withCallbacks(List.of(best)))
                      .fit(model, new CrossEntropyLoss(), sgd, train, null));
      assertTrue(e.getMessage().contains("needs a validation set"), e.getMessage());
    }
  }

  @Test
  void fullBatchLbfgsFitsLogisticRegression() {
    ArrayDataset d = Synthetic.blobs(200, 2, 2, 1.0, 31);
    Layer model = mlp(32, 2, 2);
    try (DataLoader train = loader(d, 0, 33)) {
      History h =
          new Trainer(quiet(5))
              .fit(
                  model,
                  new CrossEntropyLoss(),
                  new LBFGS(model.parameters(), LBFGS.Options.defaults()),
                  train,
                  null);
      assertTrue(
          h.last().trainLoss() < h.epochs().get(0).trainLoss() || h.last().trainLoss() < 0.05);
      assertTrue(h.last().trainMetric() > 0.95, "accuracy " + h.last().trainMetric());
    }
  }

  @Test
  void aDivergingRunStopsWithTheStepAndLearningRate() {
    ArrayDataset d = Synthetic.blobs(64, 2, 2, 1.0, 41);
    float[] x = d.features().clone();
    x[5] = Float.NaN; // one bad input value poisons the loss
    ArrayDataset bad = ArrayDataset.classification(x, d.rows(), d.cols(), d.labels(), 2);
    Layer model = mlp(42, 2, 2);
    try (DataLoader train = new DataLoader(bad, DataLoader.Options.batches(16), device())) {
      // Eager or captured, the check is read at the end of the epoch (no per-step host read):
      // the message names the epoch, the batches and the learning rate.
      var e =
          assertThrows(
              NonFiniteLossException.class,
              () ->
                  new Trainer(quiet(3).withGraphs(TrainerOptions.Graphs.OFF))
                      .fit(
                          model,
                          new CrossEntropyLoss(),
                          new SGD(model.parameters(), SGD.Options.of(0.1)),
                          train,
                          null));
      assertTrue(
          e.getMessage().contains("epoch 1, between batches 1 and 4")
              && e.getMessage().contains("learning rate 0.1"),
          e.getMessage());
      TrainerOptions skip = quiet(2).withNonFinite(TrainerOptions.NonFinitePolicy.SKIP_BATCH, true);
      History h =
          new Trainer(skip)
              .fit(
                  model,
                  new CrossEntropyLoss(),
                  new SGD(model.parameters(), SGD.Options.of(0.1)),
                  train,
                  null);
      assertEquals(48, h.last().samples(), "the poisoned batch was skipped, the rest trained");
      for (Tensor p : model.parameters()) {
        assertTrue(Double.isFinite(p.sum().item()), "parameters stay finite");
      }
    }
  }

  /** With graphs the loss is checked when read: the run stops at the end of the epoch. */
  @Test
  void aDivergingGraphRunStopsAtTheEndOfTheEpoch() {
    ArrayDataset d = Synthetic.blobs(64, 2, 2, 1.0, 41);
    float[] x = d.features().clone();
    x[5] = Float.NaN;
    ArrayDataset bad = ArrayDataset.classification(x, d.rows(), d.cols(), d.labels(), 2);
    Layer model = mlp(42, 2, 2);
    try (DataLoader train = new DataLoader(bad, DataLoader.Options.batches(16), device())) {
      var e =
          assertThrows(
              NonFiniteLossException.class,
              () ->
                  new Trainer(quiet(3).withGraphs(TrainerOptions.Graphs.ON))
                      .fit(
                          model,
                          new CrossEntropyLoss(),
                          new SGD(model.parameters(), SGD.Options.of(0.1)),
                          train,
                          null));
      boolean captures =
          io.myelin.backend.DeviceManager.global().backend(device()).supportsCapture();
      String m = e.getMessage();
      assertTrue(
          m.contains("learning rate 0.1")
              && (captures
                  ? m.contains("in epoch 1, between batches 1 and 4")
                  : m.contains("step 1")),
          m);
    }
  }

  /** Issue 9: a finite loss with an infinite gradient is caught when gradients are checked. */
  @Test
  void aNonFiniteGradientUnderAFiniteLossNamesTheParameterAndStep() {
    ArrayDataset d = Synthetic.blobs(64, 2, 2, 1.0, 43);
    Generator g = new Generator(44);
    Sequential model = new Sequential();
    model.add(new Linear(2, 3, true, g));
    model.add(
        new Layer() { // sqrt(|x|): finite at 0, its derivative is not
          @Override
          public Tensor forward(Tensor x) {
            return x.abs().sqrt();
          }
        });
    model.add(new Linear(3, 2, true, g));
    model.to(device());
    try (var ignored = io.myelin.autograd.Autograd.noGrad()) {
      model.parameters().get(0).fill(0); // the first layer outputs exact zeros
      model.parameters().get(1).fill(0);
    }
    try (DataLoader train = new DataLoader(d, DataLoader.Options.batches(16), device())) {
      TrainerOptions check = quiet(2).withNonFinite(TrainerOptions.NonFinitePolicy.STOP, true);
      var e =
          assertThrows(
              NonFiniteLossException.class,
              () ->
                  new Trainer(check)
                      .fit(
                          model,
                          new CrossEntropyLoss(),
                          new SGD(model.parameters(), SGD.Options.of(0.05)),
                          train,
                          null));
      assertTrue(
          e.getMessage().startsWith("non-finite loss or gradient")
              && e.getMessage().contains("epoch 1, between batches 1 and 4")
              && e.getMessage().contains("learning rate 0.05"),
          e.getMessage());
      assertArrayEquals(
          new float[6], model.parameters().get(0).toFloatArray(), "no step was taken");
    }
  }

  /** Issue 9: labels the model cannot output are refused before the first step. */
  @Test
  void moreClassesThanOutputsAreRefusedBeforeTraining() {
    ArrayDataset d = Synthetic.blobs(60, 3, 2, 1.0, 45);
    Layer model = mlp(46, 2, 2);
    float[] before = model.parameters().get(0).toFloatArray();
    try (DataLoader train = loader(d, 16, 47)) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new Trainer(quiet(1))
                      .fit(
                          model,
                          new CrossEntropyLoss(),
                          new SGD(model.parameters(), SGD.Options.of(0.1)),
                          train,
                          null));
      assertEquals(
          "fit: the training labels go up to class 2 (3 classes) but the model has 2"
              + " outputs; give the last layer at least 3",
          e.getMessage());
    }
    assertArrayEquals(before, model.parameters().get(0).toFloatArray(), "nothing trained");
  }

  @Test
  void gradientAccumulationEqualsOneLargerBatch() {
    ArrayDataset d = Synthetic.blobs(32, 2, 3, 1.0, 51);
    Layer a = mlp(52, 3, 4, 2);
    Layer b = mlp(52, 3, 4, 2);
    try (DataLoader small = new DataLoader(d, DataLoader.Options.batches(8), device());
        DataLoader large = new DataLoader(d, DataLoader.Options.batches(16), device())) {
      new Trainer(quiet(1).withAccumulationSteps(2))
          .fit(
              a, new CrossEntropyLoss(), new SGD(a.parameters(), SGD.Options.of(0.3)), small, null);
      new Trainer(quiet(1))
          .fit(
              b, new CrossEntropyLoss(), new SGD(b.parameters(), SGD.Options.of(0.3)), large, null);
    }
    for (int i = 0; i < a.parameters().size(); i++) {
      assertClose(
          b.parameters().get(i).toDoubleArray(),
          a.parameters().get(i).toFloatArray(),
          1e-5,
          "parameter " + i);
    }
  }

  @Test
  void twoTrainersOnTwoThreadsMatchSequentialRuns() throws Exception {
    ArrayDataset d = Synthetic.moons(256, 0.2, 61);
    java.util.function.Supplier<float[]> run =
        () -> {
          try (var scope = io.myelin.backend.DeviceManager.useDevice(device());
              DataLoader train = loader(d, 32, 62)) {
            Layer m = mlp(63, 2, 8, 2);
            new Trainer(quiet(5))
                .fit(
                    m,
                    new CrossEntropyLoss(),
                    new Adam(m.parameters(), Adam.Options.defaults().withLr(0.01)),
                    train,
                    null);
            return m.parameters().get(0).toFloatArray();
          }
        };
    float[] sequential = run.get();
    var f1 = CompletableFuture.supplyAsync(run);
    var f2 = CompletableFuture.supplyAsync(run);
    assertArrayEquals(sequential, f1.get());
    assertArrayEquals(sequential, f2.get());
  }

  /**
   * Pima in 5-fold stratified cross-validation: features standardised with each training fold's own
   * statistics, 8-16-2 ReLU, cross-entropy plus an L2 penalty of 0.01 on the weights, Adam 0.01,
   * full batch, 500 epochs; the mean test-fold accuracy reaches 0.75.
   *
   * <p>Why not one split of the course notebook's setup (raw features, 8-20-20-2, 700 epochs, no
   * penalty): its test accuracy swings 0.70-0.79 with the split seed alone (154 test rows), and on
   * one split it moves with the last bit of any op (0.727-0.773 seen for the same seed across
   * rounding changes), so as a test it would pass or fail by luck and differ between backends. The
   * command line's own test keeps that exact command at its default seed (TrainRunTest).
   */
  @Test
  void pimaDiabetesReachesThreeQuartersInCrossValidation() throws Exception {
    ArrayDataset all = CsvReader.read(TestData.dir("pima-diabetes").resolve("diabetes.csv"));
    CrossEntropyLoss ce = new CrossEntropyLoss();
    CrossValidation.Result r =
        CrossValidation.kFold(
            all,
            new KFold(5, true, 0),
            (train, validation, fold) -> {
              // Standardised with the training fold's statistics only.
              StandardScaler scaler = StandardScaler.fit(train.features(), train.cols());
              Layer model = mlp(fold, 8, 16, 2);
              List<Tensor> weights = new java.util.ArrayList<>();
              model
                  .namedParameters()
                  .forEach(
                      (name, p) -> {
                        if (name.endsWith("weight")) {
                          weights.add(p);
                        }
                      });
              Penalty l2 = Penalty.l2(0.01);
              Loss loss = (out, target) -> ce.forward(out, target).add(l2.apply(weights));
              try (DataLoader tl =
                      loader(
                          train.withFeatures(scaler.transform(train.features(), train.rows())),
                          0,
                          1);
                  DataLoader vl =
                      loader(
                          validation.withFeatures(
                              scaler.transform(validation.features(), validation.rows())),
                          0,
                          2)) {
                Trainer trainer = new Trainer(quiet(500));
                trainer.fit(
                    model,
                    loss,
                    new Adam(model.parameters(), Adam.Options.defaults().withLr(0.01)),
                    tl,
                    null);
                return trainer.evaluate(model, ce, vl);
              }
            });
    StringBuilder perFold = new StringBuilder();
    r.folds().forEach(e -> perFold.append(String.format(" %.3f", e.metric())));
    System.out.printf(
        "pima 5-fold accuracy %.4f +- %.4f (folds%s)%n", r.meanMetric(), r.stdMetric(), perFold);
    assertTrue(
        r.meanMetric() >= 0.75,
        "Pima 5-fold mean accuracy " + r.meanMetric() + ", folds" + perFold);
  }

  /**
   * Grid search over the learning rate, each setting scored by 3-fold cross-validation: on two
   * moons a rate of 0.5 must rank above 1e-4 (which barely moves the weights in 15 epochs).
   */
  @Test
  void gridSearchRanksTheLearningRatesByCrossValidatedAccuracy() throws Exception {
    ArrayDataset d = Synthetic.moons(300, 0.1, 71);
    Map<String, Object> space = new java.util.LinkedHashMap<>();
    space.put("lr", List.of(1e-4, 0.5));
    HyperparameterSearch.Ranking ranking =
        HyperparameterSearch.run(
            HyperparameterSearch.grid(space),
            true,
            params ->
                CrossValidation.kFold(
                    d,
                    new KFold(3, true, 72),
                    (train, val, fold) -> {
                      Layer m = mlp(73 + fold, 2, 16, 2);
                      try (DataLoader tl = loader(train, 32, 74);
                          DataLoader vl = loader(val, 256, 75)) {
                        Trainer t = new Trainer(quiet(15));
                        t.fit(
                            m,
                            new CrossEntropyLoss(),
                            new SGD(m.parameters(), SGD.Options.of((Double) params.get("lr"))),
                            tl,
                            null);
                        return t.evaluate(m, new CrossEntropyLoss(), vl);
                      }
                    }));
    System.out.print(ranking.table());
    assertEquals(0.5, ranking.best().params().get("lr"));
    assertTrue(ranking.best().mean() > 0.85, ranking.table());
    assertTrue(ranking.ranked().get(1).mean() < ranking.best().mean(), ranking.table());
  }

  /** Digits: pixels scaled to [0, 1] (/16), 64-64-10 ReLU, Adam 1e-3, batch 32, 30 epochs. */
  @Test
  void digitsReachNinetySixPercent() throws Exception {
    ArrayDataset all = CsvReader.read(TestData.dir("digits").resolve("digits.csv.gz"));
    float[] x = all.features().clone();
    for (int i = 0; i < x.length; i++) {
      x[i] /= 16f;
    }
    ArrayDataset scaled = all.withFeatures(x);
    Split s = Splits.stratified(all.labels(), 0, 0.2, 0);
    Layer model = mlp(0, 64, 64, 10);
    try (DataLoader train = loader(scaled.select(s.train()), 32, 1);
        DataLoader test = loader(scaled.select(s.test()), 256, 2)) {
      Trainer trainer = new Trainer(quiet(30));
      trainer.fit(
          model,
          new CrossEntropyLoss(),
          new Adam(model.parameters(), Adam.Options.defaults().withLr(1e-3)),
          train,
          null);
      double accuracy = trainer.evaluate(model, new CrossEntropyLoss(), test).metric();
      System.out.println("digits test accuracy " + accuracy);
      assertTrue(accuracy >= 0.96, "digits test accuracy " + accuracy);
    }
  }
}
