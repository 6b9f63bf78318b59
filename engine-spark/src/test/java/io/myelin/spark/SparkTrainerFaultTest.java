package io.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.loss.MSELoss;
import io.myelin.nn.Layer;
import io.myelin.optim.Adam;
import io.myelin.optim.SGD;
import io.myelin.train.EpochRecord;
import io.myelin.train.NonFiniteLossException;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;
import io.myelin.train.TrainingCheckpoints;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults and bad input: a task that fails once mid-epoch is retried by Spark and the run resumes
 * from rank 0's checkpoint to the uninterrupted run's weights; bad input fails on the driver with
 * one message and writes no checkpoint. Spark local[2,2]: 2 slots, 2 attempts per task.
 */
class SparkTrainerFaultTest {
  static final int B = SparkTrainerTest.B;
  private static JavaSparkContext sc;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    sc = LocalSpark.context();
  }

  static SparkTrainer adamTrainer() {
    return new SparkTrainer(
        sc,
        SparkTrainerTest::model,
        p -> new Adam(p, Adam.Options.defaults().withLr(0.01)),
        MSELoss::new);
  }

  static SparkTrainer.Result fit(SparkTrainer t) {
    return t.fit(
        sc.parallelize(SparkTrainerTest.rows(), 2),
        TrainerOptions.defaults().withEpochs(2).withOut(null),
        B,
        SparkTrainer.Mode.SYNCHRONOUS,
        0,
        false);
  }

  @Test
  void taskFailingOnceMidEpochIsRetriedAndResumesToTheUninterruptedWeights() throws Exception {
    // 4 steps per epoch, 8 in all; checkpoints after steps 2, 6 (mid-epoch) and 4, 8 (epoch ends);
    // rank 1 fails before step 7 (0-based), in epoch 2.
    SparkTrainer.Result clean = fit(adamTrainer().withShuffle(5));
    Path ckpt = dir.resolve("run.ckpt");
    SparkTrainer.Result faulty =
        fit(adamTrainer().withShuffle(5).withCheckpoint(ckpt, 2).failOnceAt(1, 7));
    assertEquals(1, clean.stageAttempts());
    assertEquals(2, faulty.stageAttempts(), "the barrier stage was not retried");
    assertEquals(6, faulty.resumedAtStep(), "the retry did not resume from the step-6 checkpoint");
    float[] expected = Flat.values(clean.model().parameters());
    assertArrayEquals(
        expected,
        Flat.values(faulty.model().parameters()),
        "the resumed run's weights differ from the uninterrupted run's");
    // The history covers every epoch as in the uninterrupted run (epoch 2 was split by the fault).
    assertEquals(2, faulty.history().size());
    for (int e = 0; e < 2; e++) {
      EpochRecord a = clean.history().epochs().get(e);
      EpochRecord b = faulty.history().epochs().get(e);
      assertEquals(a.samples(), b.samples());
      assertEquals(a.trainLoss(), b.trainLoss(), 1e-12 * Math.abs(a.trainLoss()));
    }
    // The last checkpoint is an ordinary one: TrainingCheckpoints loads it into a fresh replica.
    Layer m = SparkTrainerTest.model();
    Adam adam = new Adam(m.parameters(), Adam.Options.defaults().withLr(0.01));
    Trainer.Resume at = TrainingCheckpoints.load(ckpt, m, adam, Map.of());
    assertEquals(2, at.epoch());
    assertEquals(8, at.step());
    assertEquals(2, at.history().size());
    assertArrayEquals(expected, Flat.values(m.parameters()));
  }

  @Test
  void moreWorkersThanPartitionsIsRefusedBeforeAnyTask() {
    Path ckpt = dir.resolve("none.ckpt");
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> fit(adamTrainer().withWorkers(3).withCheckpoint(ckpt, 1)));
    assertTrue(
        e.getMessage().contains("3 workers need at least 3 partitions")
            && e.getMessage().contains("which have 2"),
        e.getMessage());
    assertFalse(Files.exists(ckpt), "a checkpoint was written");
  }

  @Test
  void moreWorkersThanRowsIsRefusedBeforeAnyTask() {
    Path ckpt = dir.resolve("none.ckpt");
    var rows = SparkTrainerTest.rows().subList(0, 1);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                adamTrainer()
                    .withCheckpoint(ckpt, 1)
                    .fit(
                        sc.parallelize(rows, 2),
                        TrainerOptions.defaults(),
                        B,
                        SparkTrainer.Mode.SYNCHRONOUS,
                        0,
                        false));
    assertTrue(
        e.getMessage().contains("has no rows (1 rows in all)")
            && e.getMessage().contains("use at most 1 workers"),
        e.getMessage());
    assertFalse(Files.exists(ckpt), "a checkpoint was written");
  }

  @Test
  void moreWorkersThanTaskSlotsIsRefusedBeforeAnyTask() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                adamTrainer()
                    .fit(
                        sc.parallelize(SparkTrainerTest.rows(), 3),
                        TrainerOptions.defaults(),
                        B,
                        SparkTrainer.Mode.SYNCHRONOUS,
                        0,
                        false));
    assertTrue(
        e.getMessage().contains("3 workers need 3 task slots") && e.getMessage().contains("has 2"),
        e.getMessage());
  }

  @Test
  void unsupportedTrainerOptionsAreNamed() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                adamTrainer()
                    .fit(
                        sc.parallelize(SparkTrainerTest.rows(), 2),
                        TrainerOptions.defaults().withAccumulationSteps(2),
                        B,
                        SparkTrainer.Mode.SYNCHRONOUS,
                        0,
                        false));
    assertTrue(e.getMessage().contains("gradient accumulation"), e.getMessage());
  }

  @Test
  void nonFiniteLossStopsEveryWorkerWithOneMessage() {
    SparkTrainer t =
        new SparkTrainer(
            sc, SparkTrainerTest::model, p -> new SGD(p, SGD.Options.of(1e30)), MSELoss::new);
    var e = assertThrows(NonFiniteLossException.class, () -> fit(t));
    assertTrue(e.getMessage().startsWith("non-finite loss in epoch"), e.getMessage());
  }

  @Test
  void unreachableMasterIsRefusedQuicklyWithoutAContext() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again below: nothing listens there
    }
    String master = "spark://127.0.0.1:" + port;
    long t0 = System.nanoTime();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SparkContexts.open(master, "unreachable", Duration.ofSeconds(3)));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(e.getMessage().contains("cannot reach Spark master " + master), e.getMessage());
    assertTrue(seconds < 10, "took " + seconds + " s");
    var bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> SparkContexts.checkReachable("local[two]", Duration.ofSeconds(1)));
    assertTrue(bad.getMessage().contains("bad Spark master 'local[two]'"), bad.getMessage());
    SparkContexts.checkReachable("local[2,3]", Duration.ofSeconds(1));
  }
}
