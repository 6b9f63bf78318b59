package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.MemoryStats;
import io.myelin.backend.Philox;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.loss.MSELoss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Activation;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.AdaDelta;
import io.myelin.optim.AdaGrad;
import io.myelin.optim.AdaMax;
import io.myelin.optim.Adam;
import io.myelin.optim.AdamW;
import io.myelin.optim.NAdam;
import io.myelin.optim.Optimizer;
import io.myelin.optim.RMSprop;
import io.myelin.optim.SGD;
import io.myelin.train.TrainingStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainingStep} on the device under test: a step replayed from a captured graph gives the
 * same bits as the same step run eagerly, and both the same as the plain loop (forward, backward,
 * {@code optimizer.step()}), for every optimizer, with a learning rate changed mid-run, a smaller
 * last batch (a second graph), changed options (a new graph) and batch norm's running statistics.
 * On a backend that cannot capture, the graph run is eager and the equalities still hold.
 */
public abstract class TrainingStepConformanceTest extends DeviceTestBase {
  private static final int IN = 7;
  private static final int CLASSES = 3;

  private Layer model(long seed) {
    Generator g = new Generator(seed);
    return new Sequential(
            new Linear(IN, 13, true, g),
            Activation.byName("relu").layer(),
            new BatchNorm1d(13),
            new Linear(13, 11, true, g),
            Activation.byName("tanh").layer(),
            new Linear(11, CLASSES, true, g))
        .to(device());
  }

  /** Batches of 17 rows and a last batch of 5, the same every epoch. */
  private List<Tensor[]> batches(long seed) {
    List<Tensor[]> out = new ArrayList<>();
    int[] sizes = {17, 17, 17, 5};
    for (int b = 0; b < sizes.length; b++) {
      float[] x = randomFloats(seed * 31 + b, sizes[b] * IN, -2, 2);
      int[] y = new int[sizes[b]];
      for (int i = 0; i < y.length; i++) {
        y[i] = (int) ((x[i * IN] + 2) * 10) % CLASSES;
      }
      out.add(
          new Tensor[] {
            Tensor.of(device(), x, sizes[b], IN).persist(),
            Tensor.of(device(), y, sizes[b]).persist()
          });
    }
    return out;
  }

  private static final List<Function<List<Tensor>, Optimizer<?>>> OPTIMIZERS =
      List.of(
          p -> new Adam(p, Adam.Options.defaults().withLr(0.01).withWeightDecay(0.01)),
          p -> new Adam(p, Adam.Options.defaults().withLr(0.01).withAmsgrad(true)),
          p -> new AdamW(p, AdamW.Options.defaults().withLr(0.01)),
          p -> new SGD(p, SGD.Options.of(0.05).withMomentum(0.9).withNesterov(true)),
          p -> new SGD(p, SGD.Options.averaged(0.05, 0.9, true)),
          p -> new NAdam(p, NAdam.Options.defaults().withLr(0.01)),
          p ->
              new RMSprop(
                  p, RMSprop.Options.defaults().withLr(0.01).withCentered(true).withMomentum(0.5)),
          p -> new AdaGrad(p, AdaGrad.Options.defaults().withLr(0.05).withLrDecay(0.01)),
          p -> new AdaDelta(p, AdaDelta.Options.defaults()),
          p -> new AdaMax(p, AdaMax.Options.defaults().withLr(0.01)));

  /** How one of the three runs drives its steps. */
  private enum Mode {
    PLAIN_LOOP,
    EAGER_STEP,
    GRAPH_STEP
  }

  private record Run(float[][] state, double loss, long replays, int graphs) {}

  private Run train(Mode mode, Function<List<Tensor>, Optimizer<?>> make, int epochs) {
    Layer m = model(5);
    Optimizer<?> opt = make.apply(m.parameters());
    List<Tensor[]> data = batches(9);
    CrossEntropyLoss loss = new CrossEntropyLoss();
    long replays = 0;
    int graphs = 0;
    double runningLoss = 0;
    try (TrainingStep step = TrainingStep.create(m, loss, opt, mode == Mode.GRAPH_STEP)) {
      for (int e = 0; e < epochs; e++) {
        if (e == epochs / 2) {
          opt.setLearningRate(opt.learningRate(0) * 0.5); // a schedule: scalars change, graph stays
        }
        for (Tensor[] b : data) {
          if (mode == Mode.PLAIN_LOOP) {
            try (MemoryScope scope = MemoryScope.open()) {
              loss.forward(m.forward(b[0]), b[1]).backward();
              opt.step();
              opt.zeroGrad();
            }
          } else {
            step.run(b[0], b[1]);
          }
        }
      }
      if (mode != Mode.PLAIN_LOOP) {
        runningLoss = step.runningLoss();
        replays = step.replays();
        graphs = step.graphCount();
      }
    }
    List<float[]> state = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
      Tensor t = e.getValue();
      state.add(
          t.dtype() == DType.INT32
              ? new float[] {t.toIntArray()[0]}
              : t.to(DType.FLOAT32).toFloatArray());
    }
    opt.close();
    for (Tensor[] b : data) {
      b[0].close();
      b[1].close();
    }
    return new Run(state.toArray(float[][]::new), runningLoss, replays, graphs);
  }

  private boolean captures() {
    return DeviceManager.global().backend(device()).supportsCapture();
  }

  @Test
  void replayedStepsGiveTheBitsOfEagerStepsForEveryOptimizer() {
    for (int i = 0; i < OPTIMIZERS.size(); i++) {
      var make = OPTIMIZERS.get(i);
      Run plain = train(Mode.PLAIN_LOOP, make, 6);
      Run eager = train(Mode.EAGER_STEP, make, 6);
      Run graph = train(Mode.GRAPH_STEP, make, 6);
      for (int k = 0; k < plain.state().length; k++) {
        assertArrayEquals(
            plain.state()[k],
            eager.state()[k],
            "optimizer " + i + ", tensor " + k + ": eager step vs plain loop");
        assertArrayEquals(
            eager.state()[k],
            graph.state()[k],
            "optimizer " + i + ", tensor " + k + ": graph vs eager");
      }
      assertEquals(eager.loss(), graph.loss(), "optimizer " + i + ": running loss");
      assertTrue(Double.isFinite(eager.loss()) && eager.loss() > 0, "loss " + eager.loss());
      assertEquals(0, eager.replays());
      if (captures()) {
        // 24 steps: the full batches are captured at their second sight, the last batch (another
        // shape) in epoch 2; 24 - 3 eager = 21 replays... counted exactly:
        // full: steps 1, 2 eager (1 warm-up, 1 first sight), step 3 captured and replayed.
        assertEquals(2, graph.graphs(), "optimizer " + i + ": one graph per batch shape");
        assertEquals(24 - 2 - 1, graph.replays(), "optimizer " + i + ": replays");
      }
    }
  }

  @Test
  void theEagerStepLearns() {
    Run before = train(Mode.EAGER_STEP, OPTIMIZERS.get(0), 1);
    Run after = train(Mode.EAGER_STEP, OPTIMIZERS.get(0), 40);
    assertTrue(after.loss() < before.loss(), "mean loss " + before.loss() + " -> " + after.loss());
  }

  @Test
  void changedOptionsGetANewGraphAndStillMatchEager() {
    Function<List<Tensor>, Optimizer<?>> make =
        p -> new SGD(p, SGD.Options.of(0.05).withMomentum(0.9));
    float[][] eager = null;
    for (boolean graphs : new boolean[] {false, true}) {
      Layer m = model(2);
      SGD opt = (SGD) make.apply(m.parameters());
      List<Tensor[]> data = batches(4);
      try (TrainingStep step = TrainingStep.create(m, new CrossEntropyLoss(), opt, graphs)) {
        for (int e = 0; e < 4; e++) {
          if (e == 2) {
            opt.parameterGroups().get(0).setOptions(SGD.Options.of(0.05).withMomentum(0.5));
          }
          for (Tensor[] b : data.subList(0, 3)) {
            step.run(b[0], b[1]);
          }
        }
        if (graphs && captures()) {
          assertEquals(2, step.graphCount(), "a graph per momentum value");
        }
      }
      float[][] state = m.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
      if (eager == null) {
        eager = state;
      } else {
        for (int k = 0; k < state.length; k++) {
          assertArrayEquals(eager[k], state[k], "parameter " + k);
        }
      }
      opt.close();
    }
  }

  /** Reads a value on the host in forward: cannot be captured. */
  private static final class HostReading extends Layer {
    @Override
    public Tensor forward(Tensor input) {
      double s = input.sum().item();
      return Double.isNaN(s) ? input.mul(0) : input;
    }
  }

  @Test
  void aStepThatReadsTheHostFallsBackToEagerWithTheSameResult() {
    float[][] expected = null;
    for (boolean graphs : new boolean[] {false, true}) {
      Generator g = new Generator(3);
      Layer m = new Sequential(new HostReading(), new Linear(IN, CLASSES, true, g)).to(device());
      Adam opt = new Adam(m.parameters(), Adam.Options.defaults().withLr(0.01));
      List<Tensor[]> data = batches(8);
      try (TrainingStep step = TrainingStep.create(m, new CrossEntropyLoss(), opt, graphs)) {
        for (int e = 0; e < 3; e++) {
          for (Tensor[] b : data) {
            step.run(b[0], b[1]);
          }
        }
        assertEquals(0, step.replays());
        if (graphs && captures()) {
          assertNotNull(step.graphsOffReason());
          assertTrue(step.graphsOffReason().startsWith("capture failed"), step.graphsOffReason());
        }
      }
      float[][] state = m.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
      if (expected == null) {
        expected = state;
      } else {
        for (int k = 0; k < state.length; k++) {
          assertArrayEquals(expected[k], state[k], "parameter " + k);
        }
      }
      opt.close();
      // The backend is usable after the failed capture.
      assertEquals(6.0, Tensor.full(device(), DType.FLOAT32, 2.0, 3).sum().item());
    }
  }

  @Test
  void aCaptureThatCannotStartRunsTheStepEagerly() {
    if (!captures()) {
      return;
    }
    var backend = DeviceManager.global().backend(device());
    List<Tensor[]> data = batches(6);
    Tensor x = data.get(0)[0];
    Tensor y = data.get(0)[1];
    Layer plain = model(4);
    Adam plainOpt = new Adam(plain.parameters(), Adam.Options.defaults().withLr(0.01));
    try (TrainingStep step = TrainingStep.create(plain, new CrossEntropyLoss(), plainOpt, false)) {
      for (int i = 0; i < 3; i++) {
        step.run(x, y);
      }
    }
    Layer m = model(4);
    Adam opt = new Adam(m.parameters(), Adam.Options.defaults().withLr(0.01));
    try (TrainingStep step = TrainingStep.create(m, new CrossEntropyLoss(), opt, true)) {
      step.run(x, y);
      step.run(x, y);
      // The caller captures already: the step's own capture (its third run) cannot start, so the
      // step runs eagerly - recorded by the caller's capture - and says why.
      backend.beginCapture();
      io.myelin.backend.CapturedGraph outer;
      try {
        step.run(x, y);
      } finally {
        outer = backend.endCapture();
      }
      assertNotNull(step.graphsOffReason());
      assertTrue(
          step.graphsOffReason().startsWith("capture could not start"), step.graphsOffReason());
      assertEquals(0, step.replays());
      outer.replay(); // runs the third step
      outer.close();
    }
    for (int k = 0; k < m.parameters().size(); k++) {
      assertArrayEquals(
          plain.parameters().get(k).toFloatArray(),
          m.parameters().get(k).toFloatArray(),
          "parameter " + k);
    }
    plainOpt.close();
    opt.close();
  }

  @Test
  void dropoutInTrainingIsCapturedAndReplaysDrawTheEagerMasks() {
    float[][] weights = new float[2][];
    long[] replays = new long[2];
    for (int mode = 0; mode < 2; mode++) {
      Generator g = new Generator(1);
      Generator drop = new Generator(2);
      Layer m =
          new Sequential(
                  new Linear(IN, 8, true, g),
                  new Dropout(0.5, drop),
                  new Linear(8, CLASSES, true, g))
              .to(device());
      assertTrue(m.capturable(), "dropout reads its counter on the device inside a step");
      Adam opt = new Adam(m.parameters());
      List<Tensor[]> data = batches(1);
      try (TrainingStep step = TrainingStep.create(m, new CrossEntropyLoss(), opt, mode == 0)) {
        for (int e = 0; e < 5; e++) {
          step.run(data.get(0)[0], data.get(0)[1]);
        }
        replays[mode] = step.replays();
      }
      weights[mode] = m.parameters().get(0).toFloatArray();
      assertEquals(
          5 * Philox.blocksFor(data.get(0)[0].size(0) * 8L),
          drop.state(),
          "the generator advances by each step's draw, replayed or not");
      opt.close();
    }
    if (DeviceManager.global().backend(device()).supportsCapture()) {
      assertTrue(replays[0] > 0, "captured and replayed");
    }
    assertEquals(0, replays[1]);
    assertArrayEquals(weights[1], weights[0], "replays draw the masks of the eager steps");
  }

  @Test
  void regressionWithAMetricSumsOnTheDevice() {
    Generator g = new Generator(6);
    Layer m =
        new Sequential(
                new Linear(IN, 4, true, g),
                Activation.byName("relu").layer(),
                new Linear(4, 1, true, g))
            .to(device());
    SGD opt = new SGD(m.parameters(), SGD.Options.of(0.01));
    Tensor x = Tensor.of(device(), randomFloats(3, 10 * IN, -1, 1), 10, IN);
    Tensor y = Tensor.of(device(), randomFloats(4, 10, -1, 1), 10, 1);
    double[] expected = new double[1];
    TrainingStep.Metric sse = (out, t) -> out.sub(t).square().sum();
    try (TrainingStep step = TrainingStep.create(m, new MSELoss(), opt, sse, true)) {
      for (int i = 0; i < 5; i++) {
        try (var ignored = Autograd.noGrad()) {
          // the metric of step i is taken on the output before step i's update
          expected[0] += m.forward(x).sub(y).square().sum().item();
        }
        step.run(x, y);
      }
      assertEquals(50, step.samples());
      assertEquals(expected[0], step.runningMetricSum(), 1e-4 * Math.abs(expected[0]));
      step.resetRunningLoss();
      assertEquals(0, step.samples());
      assertTrue(Double.isNaN(step.runningLoss()));
    }
    opt.close();
  }

  @Test
  void replaysAllocateNothingNew() {
    if (!captures()) {
      return;
    }
    Layer m = model(7);
    Adam opt = new Adam(m.parameters());
    List<Tensor[]> data = batches(2);
    var backend = DeviceManager.global().backend(device());
    try (TrainingStep step = TrainingStep.create(m, new CrossEntropyLoss(), opt, true)) {
      for (int i = 0; i < 4; i++) {
        step.run(data.get(0)[0], data.get(0)[1]);
      }
      MemoryStats before = backend.memoryStats();
      for (int i = 0; i < 50; i++) {
        step.run(data.get(0)[0], data.get(0)[1]);
      }
      MemoryStats after = backend.memoryStats();
      assertEquals(
          before.systemAllocations(), after.systemAllocations(), "allocations during replays");
      // Not more live blocks: a replay creates none. (Fewer is possible: the Cleaner may free
      // what earlier tests in this JVM forgot while the replays run.)
      assertTrue(
          after.liveBlocks() <= before.liveBlocks(),
          "live blocks during replays: " + before.liveBlocks() + " -> " + after.liveBlocks());
      assertEquals(52, step.replays());
    }
    opt.close();
  }
}
