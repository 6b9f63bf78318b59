package io.myelin.train;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.Backend;
import io.myelin.backend.CapturedGraph;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.loss.Loss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Module;
import io.myelin.optim.Optimizer;
import io.myelin.optim.ParameterGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One training step - forward, loss, backward, optimizer update, gradients cleared - that reads
 * nothing back to the host, and that is captured as a graph and replayed where the backend can
 * ({@link Backend#supportsCapture()}): a CUDA graph on a GPU, so the whole step is one launch.
 *
 * <p>The loss (times the batch size) and, if given, a metric are summed on the device in float64;
 * {@link #runningLoss()} reads them (the only synchronisation). The optimizer's per-step scalars
 * (learning rate, bias corrections) are written to device memory before each step ({@link
 * Optimizer#prepareStep}) and read there by the update, so a replayed graph applies the right
 * step; a learning-rate schedule works unchanged.
 *
 * <h2>When a graph is used</h2>
 *
 * With graphs on, the first step runs eagerly (it creates the optimizer state); a batch shape seen
 * for the second time is captured and replayed from then on. The step is keyed by the input and
 * target shapes and dtypes, the module's training mode, the optimizer's constant hyperparameters
 * (everything but the learning rate) and the set of parameters that get gradients: another key
 * (the smaller last batch of an epoch, changed options) gets its own graph, up to {@value
 * #MAX_GRAPHS}, and steps beyond that run eagerly. Modules that are not {@link
 * Module#capturable() capturable} (dropout while training), anomaly detection, and a capture that
 * fails (the step read a value on the host) run every step eagerly; {@link #graphsOffReason()}
 * says why. Eager and replayed steps issue the same primitive calls in the same order, so they
 * give the same bits.
 *
 * <p>A graph reads its inputs from buffers of its own: each replay first copies the batch there
 * (one device copy per tensor). Parameters, optimizer state and buffers are updated in place and
 * must not be replaced (loading a state dict into the model or optimizer) while this step is
 * open; close it and make a new one.
 *
 * <pre>{@code
 * try (TrainingStep step = TrainingStep.create(model, new CrossEntropyLoss(), adam, true)) {
 *   for (Batch b : loader.epoch(e)) {
 *     step.run(b.features(), b.targets());
 *   }
 *   System.out.println(step.runningLoss());
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one thread drives a training loop.
 */
public final class TrainingStep implements AutoCloseable {
  /** Most graphs kept per step (one per key). */
  public static final int MAX_GRAPHS = 4;

  /** A per-batch metric summed on the device: a scalar tensor (any floating dtype). */
  @FunctionalInterface
  public interface Metric {
    Tensor sum(Tensor output, Tensor targets);
  }

  private record Key(List<Integer> inputShape, DType inputType, List<Integer> targetShape,
      DType targetType, boolean training, List<OptimizerHyperparameters> constants,
      List<Boolean> updated) {}

  private static final class Entry {
    int seen;
    CapturedGraph graph;
    Tensor input;
    Tensor target;
  }

  private final Module model;
  private final Loss loss;
  private final Optimizer<?> optimizer;
  private final Metric metric;
  private final boolean graphs;
  private final Map<Key, Entry> entries = new HashMap<>();
  private boolean[] lastUpdated;
  private Tensor lossSum;
  private Tensor metricSum;
  private long samples;
  private long runs;
  private long replays;
  private String offReason;
  private boolean closed;

  private TrainingStep(Module model, Loss loss, Optimizer<?> optimizer, Metric metric,
      boolean graphs) {
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.metric = metric;
    this.graphs = graphs;
    this.offReason = graphs ? null : "graphs turned off";
  }

  /** A step without a metric; {@code graphs} turns capture on where the backend supports it. */
  public static TrainingStep create(Module model, Loss loss, Optimizer<?> optimizer,
      boolean graphs) {
    return new TrainingStep(model, loss, optimizer, null, graphs);
  }

  /** A step that also sums {@code metric} over the batches ({@link #runningMetricSum()}). */
  public static TrainingStep create(Module model, Loss loss, Optimizer<?> optimizer, Metric metric,
      boolean graphs) {
    return new TrainingStep(model, loss, optimizer, metric, graphs);
  }

  /**
   * One step on a batch: {@code input} and {@code target} on the model's device, {@code
   * input.size(0)} samples. Nothing is read back to the host.
   */
  public void run(Tensor input, Tensor target) {
    if (closed) {
      throw new IllegalStateException("training step is closed");
    }
    runs++;
    Backend backend = DeviceManager.global().backend(input.device());
    accumulators(input.device());
    samples += input.rank() == 0 ? 1 : input.size(0);
    if (lastUpdated == null || !graphsUsable(backend)) {
      eager(input, target);
      return;
    }
    Key key = key(input, target, lastUpdated);
    Entry e = entries.get(key);
    if (e == null) {
      if (entries.size() >= MAX_GRAPHS) {
        eager(input, target);
        return;
      }
      e = new Entry();
      entries.put(key, e);
    }
    if (e.graph != null) {
      optimizer.prepareStep(lastUpdated);
      try (var ignored = Autograd.noGrad()) {
        e.input.assign(input);
        e.target.assign(target);
      }
      e.graph.replay();
      replays++;
      return;
    }
    if (++e.seen < 2) {
      eager(input, target); // first sight of this shape: lazily made buffers come into being
      return;
    }
    capture(backend, e, input, target, lastUpdated);
  }

  private boolean graphsUsable(Backend backend) {
    if (offReason != null) {
      return false;
    }
    String why = !backend.supportsCapture() ? backend.device() + " cannot capture graphs"
        : !model.capturable() ? "the model is not capturable (dropout in training mode)"
        : Autograd.isAnomalyDetectionEnabled() ? "anomaly detection is on"
        : null;
    // Re-checked every step (dropout can be switched to eval); only a failed capture is final.
    return why == null;
  }

  /** The step run directly: the calls a graph records, plus the scalars upload. */
  private void eager(Tensor input, Tensor target) {
    body(input, target, null);
  }

  private void capture(Backend backend, Entry e, Tensor input, Tensor target, boolean[] which) {
    try (var ignored = Autograd.noGrad()) {
      e.input = Tensor.empty(input.device(), input.dtype(), input.shape()).persist();
      e.target = Tensor.empty(target.device(), target.dtype(), target.shape()).persist();
      e.input.assign(input);
      e.target.assign(target);
    }
    optimizer.prepareStep(which);
    RuntimeException failure = null;
    CapturedGraph g = null;
    try {
      backend.beginCapture();
    } catch (RuntimeException ex) {
      offReason = "capture could not start: " + ex.getMessage();
      body(input, target, which); // the scalars for this step are written: run it eagerly
      return;
    }
    try {
      body(e.input, e.target, which);
    } catch (RuntimeException ex) {
      failure = ex;
    } finally {
      try {
        g = backend.endCapture();
      } catch (RuntimeException ex) {
        if (failure == null) {
          failure = ex;
        }
      }
    }
    if (failure != null) {
      if (g != null) {
        g.close();
      }
      offReason = "capture failed: " + failure.getMessage();
      optimizer.zeroGrad();
      // The scalars for this step are already written: run the captured code again, eagerly.
      body(input, target, which);
      return;
    }
    e.graph = g;
    g.replay();
    replays++;
  }

  /**
   * Forward, loss, backward, update, zero grad, accumulate. {@code which} null: find the
   * parameters that got gradients and prepare the optimizer here (an eager step).
   */
  private void body(Tensor input, Tensor target, boolean[] which) {
    try (MemoryScope scope = MemoryScope.open()) {
      Tensor out = model.forward(input);
      Tensor l = loss.forward(out, target);
      l.backward();
      boolean[] w = which;
      if (w == null) {
        List<Tensor> params = optimizer.parameters();
        w = new boolean[params.size()];
        for (int i = 0; i < w.length; i++) {
          w[i] = params.get(i).grad() != null;
        }
        optimizer.prepareStep(w);
        lastUpdated = w;
      }
      optimizer.applyStep(w);
      optimizer.zeroGrad();
      try (var ignored = Autograd.noGrad()) {
        int n = input.rank() == 0 ? 1 : input.size(0);
        lossSum.assign(lossSum.add(l.detach().to(DType.FLOAT64).mul(n)));
        if (metric != null) {
          metricSum.assign(metricSum.add(metric.sum(out.detach(), target).to(DType.FLOAT64)));
        }
      }
    }
  }

  private Key key(Tensor input, Tensor target, boolean[] which) {
    List<OptimizerHyperparameters> constants = new ArrayList<>();
    for (ParameterGroup<?> g : optimizer.parameterGroups()) {
      constants.add(g.options().hyperparameters().constants());
    }
    List<Boolean> updated = new ArrayList<>(which.length);
    for (boolean b : which) {
      updated.add(b);
    }
    return new Key(boxed(input.shape()), input.dtype(), boxed(target.shape()), target.dtype(),
        model.isTraining(), constants, updated);
  }

  private static List<Integer> boxed(int[] shape) {
    return Arrays.stream(shape).boxed().toList();
  }

  private void accumulators(Device device) {
    if (lossSum == null) {
      lossSum = Tensor.zeros(device, DType.FLOAT64).persist();
      metricSum = Tensor.zeros(device, DType.FLOAT64).persist();
    } else if (!lossSum.device().equals(device)) {
      throw new IllegalArgumentException("training step started on " + lossSum.device()
          + ", now given a batch on " + device);
    }
  }

  /** Mean loss per sample over the steps since the last reset (reads the device). */
  public double runningLoss() {
    return lossSum == null || samples == 0 ? Double.NaN : lossSum.item() / samples;
  }

  /** The metric summed over the steps since the last reset (reads the device); NaN without one. */
  public double runningMetricSum() {
    return metricSum == null || metric == null ? Double.NaN : metricSum.item();
  }

  /** Samples seen since the last reset. */
  public long samples() {
    return samples;
  }

  /** Sets the running sums and the sample count to 0. */
  public void resetRunningLoss() {
    if (lossSum != null) {
      try (var ignored = Autograd.noGrad()) {
        lossSum.fill(0);
        metricSum.fill(0);
      }
    }
    samples = 0;
  }

  /** Steps run so far. */
  public long runs() {
    return runs;
  }

  /** Steps that replayed a captured graph. */
  public long replays() {
    return replays;
  }

  /** Graphs captured and kept. */
  public int graphCount() {
    int n = 0;
    for (Entry e : entries.values()) {
      n += e.graph == null ? 0 : 1;
    }
    return n;
  }

  /** Why steps run eagerly for good (graphs off, a failed capture), or null. */
  public String graphsOffReason() {
    return offReason;
  }

  /** Releases the graphs and the buffers of this step; the model and optimizer stay open. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Entry e : entries.values()) {
      if (e.graph != null) {
        e.graph.close();
      }
      if (e.input != null) {
        e.input.close();
        e.target.close();
      }
    }
    entries.clear();
    if (lossSum != null) {
      lossSum.close();
      metricSum.close();
    }
  }
}
