package io.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.loss.Loss;
import io.myelin.loss.MSELoss;
import io.myelin.nn.Activation;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.optim.Optimizer;
import io.myelin.optim.SGD;
import io.myelin.train.TrainerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The design's correctness test: two barrier workers with batch B train the same weights as one
 * process with batch 2B over the same rows in the same order (Spark local[2,2], CPU, fixed seed).
 */
class SparkTrainerTest {
  static final int IN = 5;
  static final int OUT = 3;
  static final int B = 7;
  static final int ROWS_PER_WORKER = 4 * B;
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = LocalSpark.context();
  }

  static Layer model() {
    Generator g = new Generator(42);
    return new Sequential(
        new Linear(IN, 9, true, g),
        new ActivationLayer(Activation.TANH),
        new Linear(9, OUT, true, g));
  }

  static List<Sample> rows() {
    Random r = new Random(7);
    List<Sample> rows = new ArrayList<>();
    for (int i = 0; i < 2 * ROWS_PER_WORKER; i++) {
      float[] x = new float[IN];
      float[] y = new float[OUT];
      for (int j = 0; j < IN; j++) {
        x[j] = (float) r.nextGaussian();
      }
      for (int j = 0; j < OUT; j++) {
        y[j] = (float) Math.sin(x[j] + 0.5 * x[(j + 1) % IN]);
      }
      rows.add(new Sample(x, y));
    }
    return rows;
  }

  /** One process, batch 2B: the k-th B rows of partition 0, then the k-th B rows of partition 1. */
  static float[] singleProcess(
      List<Sample> rows, int epochs, ReplicaFactories.OptimizerFactory of) {
    Layer m = model();
    m.train();
    Optimizer<?> opt = of.create(m.parameters());
    Loss loss = new MSELoss();
    for (int e = 0; e < epochs; e++) {
      for (int s = 0; s < ROWS_PER_WORKER / B; s++) {
        List<Sample> batch = new ArrayList<>();
        batch.addAll(rows.subList(s * B, (s + 1) * B));
        batch.addAll(rows.subList(ROWS_PER_WORKER + s * B, ROWS_PER_WORKER + (s + 1) * B));
        float[] x = new float[2 * B * IN];
        float[] y = new float[2 * B * OUT];
        for (int i = 0; i < batch.size(); i++) {
          System.arraycopy(batch.get(i).features(), 0, x, i * IN, IN);
          System.arraycopy(batch.get(i).target(), 0, y, i * OUT, OUT);
        }
        try (Tensor tx = Tensor.of(x, 2 * B, IN);
            Tensor ty = Tensor.of(y, 2 * B, OUT)) {
          opt.zeroGrad();
          loss.forward(m.forward(tx), ty).backward();
          opt.step();
        }
      }
    }
    return Flat.values(m.parameters());
  }

  static void assertClose(float[] expected, float[] actual, double tol) {
    assertEquals(expected.length, actual.length);
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / (1 + Math.abs(expected[i])));
    }
    assertTrue(worst <= tol, "worst relative difference " + worst + " > " + tol);
  }

  SparkTrainer trainer(ReplicaFactories.OptimizerFactory of) {
    return new SparkTrainer(sc, SparkTrainerTest::model, of, MSELoss::new);
  }

  @Test
  void synchronousTwoWorkersEqualsOneProcessWithDoubleBatch() {
    List<Sample> rows = rows();
    ReplicaFactories.OptimizerFactory adam = p -> new Adam(p, Adam.Options.defaults().withLr(0.01));
    float[] expected = singleProcess(rows, 3, adam);
    SparkTrainer.Result r =
        trainer(adam)
            .fit(
                sc.parallelize(rows, 2),
                TrainerOptions.defaults().withEpochs(3),
                B,
                SparkTrainer.Mode.SYNCHRONOUS,
                0,
                false);
    assertEquals(3, r.history().size());
    assertEquals(ROWS_PER_WORKER / B, r.stepsPerEpoch());
    assertEquals(1, r.stageAttempts());
    assertEquals(2 * ROWS_PER_WORKER, r.history().last().samples());
    assertTrue(
        r.history().last().trainLoss() < r.history().epochs().getFirst().trainLoss(),
        "loss did not fall: " + r.history().toCsv());
    float[] actual = Flat.values(r.model().parameters());
    // The weights moved (the test would pass trivially otherwise) ...
    float[] initial = Flat.values(model().parameters());
    double moved = 0;
    for (int i = 0; i < initial.length; i++) {
      moved = Math.max(moved, Math.abs(initial[i] - actual[i]));
    }
    assertTrue(moved > 1e-3, "weights did not move: " + moved);
    // ... to where one process puts them, up to float32 summation order.
    assertClose(expected, actual, 2e-5);
    // One message per step: the gradients, one flag (a non-finite loss on any worker) and the
    // epoch's three running sums as decimal text (at most 25 characters each, and separators).
    long vector = FloatCodec.encodedLength(initial.length + 1);
    assertTrue(
        r.bytesSentPerStep() > vector && r.bytesSentPerStep() <= vector + 3 * 26,
        r.bytesSentPerStep() + " bytes per step for a " + vector + "-character vector");
  }

  @Test
  void averagingEveryStepEqualsSynchronousForPlainSgd() {
    List<Sample> rows = rows();
    ReplicaFactories.OptimizerFactory sgd = p -> new SGD(p, SGD.Options.of(0.1));
    var data = sc.parallelize(rows, 2);
    var opts = TrainerOptions.defaults().withEpochs(2);
    float[] sync =
        Flat.values(
            trainer(sgd)
                .fit(data, opts, B, SparkTrainer.Mode.SYNCHRONOUS, 0, false)
                .model()
                .parameters());
    float[] avg =
        Flat.values(
            trainer(sgd)
                .fit(data, opts, B, SparkTrainer.Mode.PARAMETER_AVERAGING, 1, false)
                .model()
                .parameters());
    assertClose(sync, avg, 2e-5);
    assertClose(singleProcess(rows, 2, sgd), sync, 2e-5);
  }

  @Test
  void throwingModelFactoryFailsOnTheDriverBeforeAnyTask() {
    SparkTrainer t =
        new SparkTrainer(
            sc,
            () -> {
              throw new IllegalStateException("no such layer");
            },
            p -> new SGD(p, SGD.Options.of(0.1)),
            MSELoss::new);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                t.fit(
                    sc.parallelize(rows(), 2),
                    TrainerOptions.defaults(),
                    B,
                    SparkTrainer.Mode.SYNCHRONOUS,
                    0,
                    false));
    assertTrue(
        e.getMessage().contains("model factory failed") && e.getMessage().contains("no such layer"),
        e.getMessage());
    var b =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                t.fit(
                    sc.parallelize(rows(), 2),
                    TrainerOptions.defaults(),
                    0,
                    SparkTrainer.Mode.SYNCHRONOUS,
                    0,
                    false));
    assertTrue(b.getMessage().contains("batch size"), b.getMessage());
  }
}
