package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.data.ArrayDataset;
import io.myelin.data.DataLoader;
import io.myelin.data.Synthetic;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.nn.Activation;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.optim.NAdam;
import io.myelin.optim.Optimizer;
import io.myelin.optim.SGD;
import io.myelin.optim.schedule.LearningRateScheduler;
import io.myelin.optim.schedule.StepDecay;
import io.myelin.train.Callback;
import io.myelin.train.EarlyStopping;
import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.Resumable;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;
import io.myelin.train.TrainingCheckpoints;
import io.myelin.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: a run stopped after k epochs and resumed from its checkpoint in fresh objects ends with
 * the weights, buffers and losses of the uninterrupted run, bit for bit. The model has dropout (the
 * generator's position matters), batch norm (running statistics are buffers), the loader reshuffles
 * every epoch (data order) and the optimizers keep state (Adam's moments and step counts, NAdam's
 * running product, SGD's momentum under a step schedule).
 */
public abstract class ResumeConformanceTest extends DeviceTestBase {
  static final int EPOCHS = 6;
  @TempDir Path dir;

  /** Everything a job builds from its configuration, built afresh for each part of a run. */
  private record Job(
      Layer model,
      Optimizer<?> optimizer,
      Generator gen,
      DataLoader train,
      LearningRateScheduler scheduler) {}

  private Job job(Function<List<Tensor>, Optimizer<?>> optimizer, boolean schedule) {
    Generator gen = new Generator(77);
    Sequential s = new Sequential();
    s.add(new Linear(2, 16, true, gen));
    s.add(new BatchNorm1d(16));
    s.add(Activation.byName("relu").layer());
    s.add(new Dropout(0.2, gen));
    s.add(new Linear(16, 3, true, gen));
    s.to(device());
    ArrayDataset data = Synthetic.blobs(150, 3, 2, 1.0, 78);
    Optimizer<?> opt = optimizer.apply(s.parameters());
    var scheduler = schedule ? new LearningRateScheduler(opt, new StepDecay(2, 0.5)) : null;
    DataLoader train = new DataLoader(data, DataLoader.Options.batches(16).shuffled(79), device());
    return new Job(s, opt, gen, train, scheduler);
  }

  private static List<Callback> callbacks(Job j, Path checkpoint, int stopAfter) {
    List<Callback> c = new ArrayList<>();
    if (j.scheduler() != null) {
      c.add(
          new Callback() {
            @Override
            public void onEpochEnd(TrainingState state, EpochRecord record) {
              j.scheduler().step();
            }
          });
    }
    if (checkpoint != null) {
      c.add(
          TrainingCheckpoints.everyEpoch(
              checkpoint,
              j.model(),
              j.optimizer(),
              Map.of("init", j.gen()),
              Map.of("run", "resume-test")));
    }
    if (stopAfter > 0) {
      c.add(
          new Callback() {
            @Override
            public void onEpochEnd(TrainingState state, EpochRecord record) {
              if (state.epoch() == stopAfter) {
                state.requestStop("interrupted for the test");
              }
            }
          });
    }
    return c;
  }

  private static Trainer trainer(List<Callback> callbacks) {
    return new Trainer(
        TrainerOptions.defaults().withEpochs(EPOCHS).withOut(null).withCallbacks(callbacks));
  }

  private void resumedRunEqualsUninterrupted(
      Function<List<Tensor>, Optimizer<?>> optimizer, boolean schedule, int stopAfter)
      throws IOException {
    Job a = job(optimizer, schedule);
    History full =
        trainer(callbacks(a, null, 0))
            .fit(a.model(), new CrossEntropyLoss(), a.optimizer(), a.train(), null);

    Path ck = dir.resolve("run-" + stopAfter + ".ckpt");
    Job b = job(optimizer, schedule);
    History first =
        trainer(callbacks(b, ck, stopAfter))
            .fit(b.model(), new CrossEntropyLoss(), b.optimizer(), b.train(), null);
    assertEquals(stopAfter, first.size());

    Job c = job(optimizer, schedule); // a new process: nothing shared with b but the file
    Trainer.Resume from =
        TrainingCheckpoints.load(ck, c.model(), c.optimizer(), Map.of("init", c.gen()));
    assertEquals(stopAfter, from.epoch());
    for (EpochRecord r : from.history()) {
      assertEquals(io.myelin.train.Metric.ACCURACY, r.metric(), "the checkpoint records the kind");
    }
    if (c.scheduler() != null) {
      c.scheduler().setStepCount(from.epoch());
    }
    History resumed =
        trainer(callbacks(c, ck, 0))
            .fit(c.model(), new CrossEntropyLoss(), c.optimizer(), c.train(), null, from);

    assertEquals(EPOCHS, resumed.size(), "the history holds the epochs before the checkpoint too");
    for (int e = 0; e < EPOCHS; e++) {
      assertEquals(
          full.epochs().get(e).trainLoss(),
          resumed.epochs().get(e).trainLoss(),
          "train loss of epoch " + (e + 1));
      assertEquals(full.epochs().get(e).learningRate(), resumed.epochs().get(e).learningRate());
    }
    for (var e : a.model().stateDict().entrySet()) {
      Tensor other = c.model().stateDict().get(e.getKey());
      if (e.getValue().dtype() == io.myelin.DType.INT32) {
        assertArrayEquals(e.getValue().toIntArray(), other.toIntArray(), e.getKey());
      } else {
        assertArrayEquals(e.getValue().toFloatArray(), other.toFloatArray(), e.getKey()); // exact
      }
    }
    assertEquals(a.gen().state(), c.gen().state(), "dropout drew the same number of masks");
    for (int i = 0; i < a.model().parameters().size(); i++) {
      assertEquals(
          a.optimizer().stepCount(i), c.optimizer().stepCount(i), "steps of parameter " + i);
    }
  }

  @Test
  void adamResumedAfterTwoEpochsEqualsTheUninterruptedRunBitForBit() throws IOException {
    resumedRunEqualsUninterrupted(p -> new Adam(p, Adam.Options.defaults().withLr(0.01)), false, 2);
  }

  @Test
  void nadamResumedAfterOneEpochEqualsTheUninterruptedRun() throws IOException {
    resumedRunEqualsUninterrupted(
        p -> new NAdam(p, NAdam.Options.defaults().withLr(0.01)), false, 1);
  }

  @Test
  void sgdWithMomentumAndAScheduleResumedAfterThreeEpochs() throws IOException {
    resumedRunEqualsUninterrupted(p -> new SGD(p, SGD.Options.of(0.1).withMomentum(0.9)), true, 3);
  }

  /**
   * A checkpoint taken every 3 steps and a "kill" 2 steps after one in the middle of epoch 2 (10
   * batches per epoch): the resume starts at the saved batch, and the weights still end equal.
   * Starting the epoch from its first batch instead would train on 2 batches twice.
   */
  @Test
  void aRunResumedInTheMiddleOfAnEpochContinuesWithTheNextBatch() throws IOException {
    Function<List<Tensor>, Optimizer<?>> adam =
        p -> new Adam(p, Adam.Options.defaults().withLr(0.01));
    Job a = job(adam, false);
    trainer(List.of()).fit(a.model(), new CrossEntropyLoss(), a.optimizer(), a.train(), null);

    Path ck = dir.resolve("steps.ckpt");
    Job b = job(adam, false);
    List<Callback> cb = new ArrayList<>();
    cb.add(
        TrainingCheckpoints.everySteps(
            3, ck, b.model(), b.optimizer(), Map.of("init", b.gen()), Map.of()));
    cb.add(
        new Callback() {
          @Override
          public void onStepEnd(TrainingState state) {
            if (state.step() == 14) {
              throw new IllegalStateException("killed");
            }
          }
        });
    assertThrows(
        IllegalStateException.class,
        () -> trainer(cb).fit(b.model(), new CrossEntropyLoss(), b.optimizer(), b.train(), null));

    Job c = job(adam, false);
    Trainer.Resume from =
        TrainingCheckpoints.load(ck, c.model(), c.optimizer(), Map.of("init", c.gen()));
    assertEquals(new Trainer.Resume(1, 12, 2, from.history()), from);
    assertEquals(1, from.history().size());
    History h =
        trainer(List.of())
            .fit(c.model(), new CrossEntropyLoss(), c.optimizer(), c.train(), null, from);
    assertEquals(EPOCHS, h.size());
    assertEquals(150 - 2 * 16, h.epochs().get(1).samples(), "epoch 2 resumed after 2 batches");
    for (int i = 0; i < a.model().parameters().size(); i++) {
      assertArrayEquals(
          a.model().parameters().get(i).toFloatArray(),
          c.model().parameters().get(i).toFloatArray(),
          "parameter " + i);
    }
  }

  /**
   * Early stopping resumes too: interrupted one epoch after its best epoch (so the best weights and
   * the patience count come from the checkpoint), the resumed run stops at the same epoch and
   * restores the same best weights as the uninterrupted one.
   */
  @Test
  void earlyStoppingResumesItsBestWeightsAndPatience() throws IOException {
    Function<List<Tensor>, Optimizer<?>> sgd =
        p -> new SGD(p, SGD.Options.of(0.5).withMomentum(0.9));
    ArrayDataset valData = Synthetic.blobs(60, 3, 2, 1.0, 80);
    int epochs = 40;
    java.util.function.Supplier<EarlyStopping> stopping =
        () -> new EarlyStopping(EarlyStopping.Monitor.VAL_LOSS, 3, 0, true);
    Job a = job(sgd, false);
    EarlyStopping esA = stopping.get();
    History full;
    try (DataLoader val = new DataLoader(valData, DataLoader.Options.batches(32), device())) {
      full =
          new Trainer(
                  TrainerOptions.defaults()
                      .withEpochs(epochs)
                      .withOut(null)
                      .withCallbacks(List.of(esA)))
              .fit(a.model(), new CrossEntropyLoss(), a.optimizer(), a.train(), val);
    }
    int stopAfter = esA.bestEpoch() + 1;
    assertTrue(
        full.size() < epochs && stopAfter < full.size(),
        "the test needs a run that stops early: best epoch "
            + esA.bestEpoch()
            + ", "
            + full.size()
            + " epochs");

    Path ck = dir.resolve("early.ckpt");
    Job b = job(sgd, false);
    EarlyStopping esB = stopping.get();
    List<Callback> cb = new ArrayList<>();
    cb.add(esB);
    cb.add(
        TrainingCheckpoints.everyEpoch(
            ck, b.model(), b.optimizer(), Map.of("init", b.gen()), List.of(esB), Map.of()));
    cb.addAll(callbacks(b, null, stopAfter));
    try (DataLoader val = new DataLoader(valData, DataLoader.Options.batches(32), device())) {
      new Trainer(TrainerOptions.defaults().withEpochs(epochs).withOut(null).withCallbacks(cb))
          .fit(b.model(), new CrossEntropyLoss(), b.optimizer(), b.train(), val);
    }

    Job c = job(sgd, false);
    EarlyStopping esC = stopping.get();
    Trainer.Resume from =
        TrainingCheckpoints.load(
            ck, c.model(), c.optimizer(), Map.of("init", c.gen()), List.of(esC));
    assertEquals(stopAfter, from.epoch());
    assertEquals(esA.bestEpoch(), esC.bestEpoch(), "best epoch restored");
    History resumed;
    try (DataLoader val = new DataLoader(valData, DataLoader.Options.batches(32), device())) {
      resumed =
          new Trainer(
                  TrainerOptions.defaults()
                      .withEpochs(epochs)
                      .withOut(null)
                      .withCallbacks(List.of(esC)))
              .fit(c.model(), new CrossEntropyLoss(), c.optimizer(), c.train(), val, from);
    }
    assertEquals(full.size(), resumed.size(), "stopped at the same epoch");
    System.out.println(
        "early stopping: best epoch "
            + esA.bestEpoch()
            + ", stopped after "
            + full.size()
            + ", interrupted after "
            + stopAfter);
    assertEquals(esA.bestValue(), esC.bestValue());
    for (int i = 0; i < a.model().parameters().size(); i++) {
      assertArrayEquals(
          a.model().parameters().get(i).toFloatArray(),
          c.model().parameters().get(i).toFloatArray(),
          "best weights, parameter " + i);
    }
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingCheckpoints.load(
                    ck,
                    job(sgd, false).model(),
                    job(sgd, false).optimizer(),
                    Map.of(),
                    List.of(
                        new Resumable() {
                          @Override
                          public String checkpointName() {
                            return "plateau";
                          }

                          @Override
                          public void saveState(
                              Map<String, String> strings, Map<String, Tensor> tensors) {}

                          @Override
                          public void restoreState(
                              Map<String, String> strings, Map<String, Tensor> tensors) {}
                        })));
    assertTrue(e.getMessage().contains("no state of callback 'plateau'"), e.getMessage());
  }

  @Test
  void aCheckpointOfAnotherRunIsRefusedNamingWhatDiffers() throws IOException {
    Job b = job(p -> new Adam(p, Adam.Options.defaults()), false);
    Path ck = dir.resolve("adam.ckpt");
    trainer(callbacks(b, ck, 1))
        .fit(b.model(), new CrossEntropyLoss(), b.optimizer(), b.train(), null);

    Job sgd = job(p -> new SGD(p, SGD.Options.of(0.1)), false);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingCheckpoints.load(
                    ck, sgd.model(), sgd.optimizer(), Map.of("init", sgd.gen())));
    assertTrue(
        e.getMessage().contains("adam.ckpt")
            && e.getMessage().contains("Adam")
            && e.getMessage().contains("SGD"),
        e.getMessage());

    Job adam = job(p -> new Adam(p, Adam.Options.defaults()), false);
    var e2 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingCheckpoints.load(
                    ck, adam.model(), adam.optimizer(), Map.of("init", new Generator(5))));
    assertTrue(e2.getMessage().contains("seed 5"), e2.getMessage());
    var e3 =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingCheckpoints.load(
                    ck, adam.model(), adam.optimizer(), Map.of("dropout", adam.gen())));
    assertTrue(e3.getMessage().contains("no generator 'dropout'"), e3.getMessage());
  }
}
