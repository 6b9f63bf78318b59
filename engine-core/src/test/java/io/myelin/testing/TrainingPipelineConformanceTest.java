package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.data.ArrayDataset;
import io.myelin.data.Batch;
import io.myelin.data.DataLoader;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Activation;
import io.myelin.nn.Dropout;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.optim.GradClip;
import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.NonFiniteLossException;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;
import io.myelin.train.TrainerOptions.NonFinitePolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one training pipeline: for every combination of gradient accumulation, clipping by norm and
 * by value, the non-finite policy (with a NaN batch under SKIP_BATCH), gradient checks and
 * training-mode dropout, {@link Trainer#fit} gives the same history and final weights, bit for bit,
 * with graphs ON (captured and replayed) and OFF (eager), and both equal a plain loop written here
 * with the public API, reading the host every step.
 */
public abstract class TrainingPipelineConformanceTest extends DeviceTestBase {
  private static final int IN = 6;
  private static final int CLASSES = 3;
  private static final int ROWS = 40;
  private static final int BATCH = 6; // 7 batches, the last of 4 rows
  private static final int EPOCHS = 3;

  /** The batch whose features hold a NaN in the SKIP_BATCH runs: the last of a 3-batch cycle. */
  private static final int NAN_BATCH = 2;

  private record Combo(
      int accumulation,
      double clipNorm,
      double clipValue,
      NonFinitePolicy policy,
      boolean checkGradients,
      double dropout) {
    TrainerOptions options(TrainerOptions.Graphs graphs) {
      return TrainerOptions.defaults()
          .withEpochs(EPOCHS)
          .withOut(null)
          .withGraphs(graphs)
          .withAccumulationSteps(accumulation)
          .withClipNorm(clipNorm)
          .withClipValue(clipValue)
          .withNonFinite(policy, checkGradients);
    }
  }

  private static List<Combo> combos() {
    List<Combo> out = new ArrayList<>();
    for (int k : new int[] {1, 3}) {
      for (double norm : new double[] {0, 0.3}) {
        for (double value : new double[] {0, 0.02}) {
          for (NonFinitePolicy policy : NonFinitePolicy.values()) {
            for (boolean check : new boolean[] {false, true}) {
              for (double p : new double[] {0, 0.3}) {
                out.add(new Combo(k, norm, value, policy, check, p));
              }
            }
          }
        }
      }
    }
    return out;
  }

  private Layer model(double dropout) {
    Generator g = new Generator(11);
    Sequential s = new Sequential(new Linear(IN, 8, true, g), Activation.byName("tanh").layer());
    if (dropout > 0) {
      s.add(new Dropout(dropout, new Generator(5)));
    }
    s.add(new Linear(8, CLASSES, true, g));
    return s.to(device());
  }

  private ArrayDataset data(boolean withNan) {
    float[] x = randomFloats(21, ROWS * IN, -2, 2);
    int[] y = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = (int) Math.floorMod((long) (x[i * IN] * 7 + x[i * IN + 1] * 3), CLASSES);
    }
    if (withNan) {
      x[(NAN_BATCH * BATCH + 1) * IN + 2] = Float.NaN;
    }
    return ArrayDataset.classification(x, ROWS, IN, y, CLASSES);
  }

  private DataLoader loader(ArrayDataset d) {
    return new DataLoader(d, DataLoader.Options.batches(BATCH), device());
  }

  private record Run(List<double[]> epochs, float[][] weights, String stepMode) {}

  private Run fit(Combo c, TrainerOptions.Graphs graphs) {
    Layer m = model(c.dropout());
    try (Adam adam = new Adam(m.parameters(), Adam.Options.defaults().withLr(0.05));
        DataLoader train = loader(data(c.policy() == NonFinitePolicy.SKIP_BATCH))) {
      History h = new Trainer(c.options(graphs)).fit(m, new CrossEntropyLoss(), adam, train, null);
      List<double[]> epochs = new ArrayList<>();
      for (EpochRecord r : h.epochs()) {
        epochs.add(new double[] {r.trainLoss(), r.trainMetric(), r.samples()});
      }
      return new Run(epochs, weights(m), h.stepMode());
    }
  }

  /** The same training written out: host reads every step, optimizer.step() or a skipped step. */
  private Run handWritten(Combo c) {
    Layer m = model(c.dropout());
    int k = c.accumulation();
    List<double[]> epochs = new ArrayList<>();
    CrossEntropyLoss loss = new CrossEntropyLoss();
    try (Adam adam = new Adam(m.parameters(), Adam.Options.defaults().withLr(0.05));
        DataLoader train = loader(data(c.policy() == NonFinitePolicy.SKIP_BATCH))) {
      int batches = train.batchesPerEpoch();
      for (int e = 0; e < EPOCHS; e++) {
        m.train();
        adam.zeroGrad();
        double lossSum = 0;
        double correct = 0;
        long counted = 0;
        boolean cycleFinite = true;
        int i = 0;
        for (Batch b : train.epoch(e)) {
          try (MemoryScope scope = MemoryScope.open();
              b) {
            Tensor out = m.forward(b.features());
            Tensor l = loss.forward(out, b.targets());
            (k > 1 ? l.div(k) : l).backward();
            double v = l.item();
            boolean finite = Double.isFinite(v) && (!c.checkGradients() || gradientsFinite(m));
            if (finite) {
              lossSum += v * b.size();
              correct += correct(out, b.targets());
              counted += b.size();
            }
            boolean first = i % k == 0;
            cycleFinite = first ? finite : cycleFinite && finite;
            i++;
            if (i % k == 0 || i == batches) {
              if (c.clipValue() > 0) {
                GradClip.clipValue(m.parameters(), c.clipValue());
              }
              if (c.clipNorm() > 0) {
                GradClip.clipNorm(m.parameters(), c.clipNorm());
              }
              boolean[] all = new boolean[m.parameters().size()];
              java.util.Arrays.fill(all, true);
              adam.prepareStep(all); // a skipped update still counts its step
              if (cycleFinite) {
                adam.applyStep(all);
              }
              adam.zeroGrad();
            }
          }
        }
        epochs.add(
            new double[] {
              counted == 0 ? 0 : lossSum / counted, correct / Math.max(counted, 1), counted
            });
      }
      m.eval();
      return new Run(epochs, weights(m), "hand-written");
    }
  }

  private static boolean gradientsFinite(Layer m) {
    try (var ignored = Autograd.noGrad()) {
      for (Tensor p : m.parameters()) {
        if (p.grad() != null && !Double.isFinite(p.grad().sum().item())) {
          return false;
        }
      }
    }
    return true;
  }

  private static int correct(Tensor out, Tensor targets) {
    float[] o = out.detach().toFloatArray();
    int[] t = targets.toIntArray();
    int n = 0;
    for (int r = 0; r < t.length; r++) {
      int best = 0;
      for (int j = 1; j < CLASSES; j++) {
        if (o[r * CLASSES + j] > o[r * CLASSES + best]) {
          best = j;
        }
      }
      n += best == t[r] ? 1 : 0;
    }
    return n;
  }

  private static float[][] weights(Layer m) {
    return m.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
  }

  private static void assertSame(Run expected, Run actual, String what) {
    assertEquals(expected.epochs().size(), actual.epochs().size(), what + ": epochs");
    for (int e = 0; e < expected.epochs().size(); e++) {
      assertArrayEquals(
          expected.epochs().get(e),
          actual.epochs().get(e),
          what + ": loss, accuracy, samples of epoch " + (e + 1));
    }
    for (int p = 0; p < expected.weights().length; p++) {
      assertArrayEquals(expected.weights()[p], actual.weights()[p], what + ": parameter " + p);
    }
  }

  @Test
  void everyOptionCombinationGivesTheSameBitsCapturedEagerAndHandWritten() {
    for (Combo c : combos()) {
      Run on = fit(c, TrainerOptions.Graphs.ON);
      Run off = fit(c, TrainerOptions.Graphs.OFF);
      Run hand = handWritten(c);
      assertSame(off, on, c + " graphs ON vs OFF");
      assertSame(hand, off, c + " hand-written loop vs the Trainer");
      assertTrue(off.stepMode().startsWith("eager: "), c + ": " + off.stepMode());
      if (supportsCapture()) {
        assertEquals("captured", on.stepMode(), c.toString());
      }
      if (c.policy() == NonFinitePolicy.SKIP_BATCH) {
        assertEquals(ROWS - BATCH, (long) on.epochs().get(0)[2], c + ": the NaN batch is left out");
      }
    }
  }

  @Test
  void stopReportsANonFiniteBatchInBothModesWithTheWeightsOfTheLastFiniteUpdate() {
    Combo c = new Combo(1, 0, 0, NonFinitePolicy.STOP, false, 0);
    for (TrainerOptions.Graphs g :
        new TrainerOptions.Graphs[] {TrainerOptions.Graphs.ON, TrainerOptions.Graphs.OFF}) {
      Layer m = model(0);
      try (Adam adam = new Adam(m.parameters(), Adam.Options.defaults().withLr(0.05));
          DataLoader train = loader(data(true))) {
        var ex =
            assertThrows(
                NonFiniteLossException.class,
                () -> new Trainer(c.options(g)).fit(m, new CrossEntropyLoss(), adam, train, null));
        assertTrue(ex.getMessage().contains("epoch 1"), ex.getMessage());
        assertTrue(ex.getMessage().contains("TrainerOptions.clipNorm"), ex.getMessage());
        for (float[] w : weights(m)) {
          for (float v : w) {
            assertTrue(Float.isFinite(v), g + ": the NaN batch's update was not applied");
          }
        }
      }
    }
  }

  /** Whether the device under test captures graphs (the step mode must then say "captured"). */
  protected abstract boolean supportsCapture();
}
