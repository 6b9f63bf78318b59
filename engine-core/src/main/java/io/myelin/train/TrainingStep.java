package io.myelin.train;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.Backend;
import io.myelin.backend.CapturedGraph;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.loss.Loss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Dropout;
import io.myelin.nn.Layer;
import io.myelin.optim.GradClip;
import io.myelin.optim.Optimizer;
import io.myelin.optim.ParameterGroup;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training step - forward, loss, backward, gradient accumulation, clipping, the non-finite
 * check, optimizer update, gradients cleared - that reads nothing back to the host, and that is
 * captured as a graph and replayed where the backend can ({@link Backend#supportsCapture()}): a
 * CUDA graph on a GPU, so the whole step is one launch. The {@link Trainer} runs every per-batch
 * epoch through it; capturing is a way of running this one pipeline, never a second loop.
 *
 * <p>What the {@link Options} turn on happens on the device: gradient accumulation over {@code k}
 * batches (the loss divided by {@code k}, the gradients summed in buffers of this step, the update
 * applied at every {@code k}-th step or when {@code run} is told to), clipping by value and by the
 * total norm ({@link GradClip#clipNormOnDevice}), and the non-finite check: a float64 flag "this
 * batch's loss (and, with {@code checkGradients}, its gradients) are finite" that gates the fused
 * update ({@link Optimizer#gateStep}: a cycle holding a non-finite batch leaves parameters and
 * optimizer state untouched) and keeps the batch out of the running sums; {@link
 * #nonFiniteBatches()} reads how many there were. Dropout layers' generators are bound to device
 * counters ({@link Generator#bindDevice}) for the step, so a replay draws a fresh mask.
 *
 * <p>The loss (times the batch size) and, if given, a metric are summed on the device in float64;
 * {@link #runningLoss()} reads them (the only synchronisation). The optimizer's per-step scalars
 * (learning rate, bias corrections) are written to device memory before each step ({@link
 * Optimizer#prepareStep}) and read there by the update, so a replayed graph applies the right step;
 * a learning-rate schedule works unchanged.
 *
 * <h2>When a graph is used</h2>
 *
 * With graphs on, the first step runs eagerly (it creates the optimizer state); a batch shape seen
 * for the second time is captured and replayed from then on. The step is keyed by the input and
 * target shapes and dtypes, the module's training mode, the optimizer's constant hyperparameters
 * (everything but the learning rate) and the set of parameters that get gradients: another key (the
 * smaller last batch of an epoch, changed options) and each phase of an accumulation cycle (first,
 * middle, update) gets its own graph, up to {@value #MAX_GRAPHS}, and steps beyond that run
 * eagerly. Modules that are not {@link Layer#capturable() capturable}, anomaly detection, and a
 * capture that fails (the step read a value on the host) run every step eagerly; {@link
 * #graphsOffReason()} says why. Eager and replayed steps issue the same primitive calls in the same
 * order, so they give the same bits.
 *
 * <p>A graph reads its inputs from buffers of its own: each replay first copies the batch there
 * (one device copy per tensor). Parameters, optimizer state and buffers are updated in place and
 * must not be replaced (loading a state dict into the model or optimizer) while this step is open;
 * close it and make a new one.
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
  public static final int MAX_GRAPHS = 8;

  /**
   * What a step does between backward and update. Validated here; the defaults (no accumulation, no
   * clipping, non-finite batches counted and not applied, gradients not checked) cost a few scalar
   * ops per step.
   *
   * @param accumulationSteps batches whose gradients are summed per update, {@code >= 1}
   * @param clipValue clamp every gradient element to {@code [-clipValue, clipValue]}; 0 = off
   * @param clipNorm rescale the gradients to total 2-norm at most this; 0 = off
   * @param checkGradients also count a batch as non-finite when a gradient holds NaN or infinity
   *     (one extra reduction per parameter), not only when its loss does
   */
  public record Options(
      int accumulationSteps, double clipValue, double clipNorm, boolean checkGradients) {
    public Options {
      if (accumulationSteps < 1) {
        throw new IllegalArgumentException(
            "TrainingStep.Options: accumulationSteps must be >= 1, got " + accumulationSteps);
      }
      if (!(clipValue >= 0)
          || Double.isInfinite(clipValue)
          || !(clipNorm >= 0)
          || Double.isInfinite(clipNorm)) {
        throw new IllegalArgumentException(
            "TrainingStep.Options: clipValue and clipNorm must be"
                + " finite and >= 0 (0 turns them off), got "
                + clipValue
                + " and "
                + clipNorm);
      }
    }

    /** Update every step, no clipping, loss-only non-finite check. */
    public static Options defaults() {
      return new Options(1, 0, 0, false);
    }

    /** The step options a trainer's options imply. */
    public static Options of(TrainerOptions o) {
      return new Options(o.accumulationSteps(), o.clipValue(), o.clipNorm(), o.checkGradients());
    }
  }

  /** A per-batch metric summed on the device: a scalar tensor (any floating dtype). */
  @FunctionalInterface
  public interface Metric {
    Tensor sum(Tensor output, Tensor targets);
  }

  private record Key(
      List<Integer> inputShape,
      DType inputType,
      List<Integer> targetShape,
      DType targetType,
      boolean training,
      List<OptimizerHyperparameters> constants,
      List<Boolean> updated,
      int phase) {}

  private static final class Entry {
    int seen;
    CapturedGraph graph;
    Tensor input;
    Tensor target;
    long[] generatorAdvance;
  }

  /** Phase bits: {@code FIRST} opens an accumulation cycle, {@code UPDATE} closes it. */
  private static final int FIRST = 1;

  private static final int UPDATE = 2;

  private final Layer model;
  private final Loss loss;
  private final Optimizer<?> optimizer;
  private final Metric metric;
  private final boolean graphs;
  private final Options options;
  private final List<Generator> generators;
  private final Map<Key, Entry> entries = new HashMap<>();
  private boolean[] lastUpdated;
  private final GradientAccumulator accumulator = new GradientAccumulator();
  private StepSums sums;
  private int pending;
  private long samples;
  private long runs;
  private long replays;
  private String offReason;
  private boolean closed;

  private TrainingStep(
      Layer model,
      Loss loss,
      Optimizer<?> optimizer,
      Metric metric,
      boolean graphs,
      Options options) {
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.metric = metric;
    this.graphs = graphs;
    this.options = options;
    this.generators = dropoutGenerators(model);
    this.offReason = graphs ? null : "graphs turned off";
  }

  /** A step without a metric; {@code graphs} turns capture on where the backend supports it. */
  public static TrainingStep create(
      Layer model, Loss loss, Optimizer<?> optimizer, boolean graphs) {
    return new TrainingStep(model, loss, optimizer, null, graphs, Options.defaults());
  }

  /** A step that also sums {@code metric} over the batches ({@link #runningMetricSum()}). */
  public static TrainingStep create(
      Layer model, Loss loss, Optimizer<?> optimizer, Metric metric, boolean graphs) {
    return new TrainingStep(model, loss, optimizer, metric, graphs, Options.defaults());
  }

  /** A step with accumulation, clipping and non-finite checks as {@code options} say. */
  public static TrainingStep create(
      Layer model,
      Loss loss,
      Optimizer<?> optimizer,
      Metric metric,
      boolean graphs,
      Options options) {
    return new TrainingStep(model, loss, optimizer, metric, graphs, options);
  }

  /**
   * One step on a batch: {@code input} and {@code target} on the model's device, {@code
   * input.size(0)} samples. The update is applied when this batch completes an accumulation cycle.
   * Nothing is read back to the host.
   */
  public void run(Tensor input, Tensor target) {
    run(input, target, false);
  }

  /**
   * {@link #run(Tensor, Tensor)}, applying the update now when {@code updateNow} even if the
   * accumulation cycle is not complete (the last batch of an epoch).
   *
   * @return whether this step applied (or, for a non-finite cycle, skipped) an update
   */
  public boolean run(Tensor input, Tensor target, boolean updateNow) {
    if (closed) {
      throw new IllegalStateException("training step is closed");
    }
    runs++;
    Backend backend = DeviceManager.global().backend(input.device());
    accumulators(input.device());
    samples += input.rank() == 0 ? 1 : input.size(0);
    sums.countBatch();
    boolean update = updateNow || pending + 1 >= options.accumulationSteps();
    int phase = (pending == 0 ? FIRST : 0) | (update ? UPDATE : 0);
    pending = update ? 0 : pending + 1;
    for (Generator g : generators) {
      g.bindDevice(input.device());
    }
    try {
      step(backend, input, target, phase);
    } finally {
      for (Generator g : generators) {
        g.unbindDevice();
      }
    }
    return update;
  }

  private void step(Backend backend, Tensor input, Tensor target, int phase) {
    if (lastUpdated == null || !graphsUsable(backend)) {
      eager(input, target, phase);
      return;
    }
    Key key = key(input, target, lastUpdated, phase);
    Entry e = entries.get(key);
    if (e == null) {
      if (entries.size() >= MAX_GRAPHS) {
        eagerReason = "more than " + MAX_GRAPHS + " step shapes and phases";
        eager(input, target, phase);
        return;
      }
      e = new Entry();
      entries.put(key, e);
    }
    if (e.graph != null) {
      if ((phase & UPDATE) != 0) {
        optimizer.prepareStep(lastUpdated);
      }
      try (var ignored = Autograd.noGrad()) {
        e.input.assign(input);
        e.target.assign(target);
      }
      e.graph.replay();
      for (int i = 0; i < generators.size(); i++) {
        Generator g = generators.get(i);
        g.setState(g.state() + e.generatorAdvance[i]);
      }
      replays++;
      return;
    }
    if (++e.seen < 2) {
      eager(input, target, phase); // first sight: lazily made buffers come into being
      return;
    }
    capture(backend, e, input, target, lastUpdated, phase);
  }

  private boolean graphsUsable(Backend backend) {
    if (offReason != null) {
      return false;
    }
    String why =
        !backend.supportsCapture()
            ? backend.device() + " cannot capture graphs"
            : !model.capturable()
                ? "the model is not capturable"
                : Autograd.isAnomalyDetectionEnabled() ? "anomaly detection is on" : null;
    // Re-checked every step (the model may change); only a failed capture is final.
    if (why != null) {
      eagerReason = why;
    }
    return why == null;
  }

  /** The step run directly: the calls a graph records, plus the scalars upload. */
  private void eager(Tensor input, Tensor target, int phase) {
    body(input, target, null, phase);
  }

  private void capture(
      Backend backend, Entry e, Tensor input, Tensor target, boolean[] which, int phase) {
    try (var ignored = Autograd.noGrad()) {
      e.input = Tensor.empty(input.device(), input.dtype(), input.shape()).persist();
      e.target = Tensor.empty(target.device(), target.dtype(), target.shape()).persist();
      e.input.assign(input);
      e.target.assign(target);
    }
    if ((phase & UPDATE) != 0) {
      optimizer.prepareStep(which);
    }
    long[] before = generatorStates();
    RuntimeException failure = null;
    CapturedGraph g = null;
    try {
      backend.beginCapture();
    } catch (RuntimeException ex) {
      offReason = "capture could not start: " + ex.getMessage();
      body(input, target, which, phase); // the scalars for this step are written: run it eagerly
      return;
    }
    try {
      body(e.input, e.target, which, phase);
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
      // The scalars for this step are already written: run the captured code again, eagerly,
      // from the generator positions the replay would have used.
      restoreGeneratorStates(before);
      body(input, target, which, phase);
      return;
    }
    long[] after = generatorStates();
    e.generatorAdvance = new long[after.length];
    for (int i = 0; i < after.length; i++) {
      e.generatorAdvance[i] = after[i] - before[i];
    }
    e.graph = g;
    g.replay();
    replays++;
  }

  /**
   * Forward, loss, backward, accumulation, then on an update phase clipping, the gate and the
   * update; gradients cleared; the running sums. {@code which} null: find the parameters that got
   * gradients and prepare the optimizer here (an eager step).
   */
  private void body(Tensor input, Tensor target, boolean[] which, int phase) {
    int k = options.accumulationSteps();
    boolean first = (phase & FIRST) != 0;
    try (MemoryScope scope = MemoryScope.open()) {
      Tensor out = model.forward(input);
      Tensor l = loss.forward(out, target);
      (k > 1 ? l.div(k) : l).backward();
      try (var ignored = Autograd.noGrad()) {
        List<Tensor> params = optimizer.parameters();
        Tensor finite = batchFinite(l, params);
        Tensor cycle = accumulator.cycleFinite(finite, first, (phase & UPDATE) != 0);
        if (k > 1) {
          accumulator.accumulate(params, first, (phase & UPDATE) != 0);
        }
        if ((phase & UPDATE) != 0) {
          boolean[] w = which;
          if (w == null) {
            w = new boolean[params.size()];
            for (int i = 0; i < w.length; i++) {
              w[i] = params.get(i).grad() != null;
            }
            optimizer.prepareStep(w);
            lastUpdated = w;
          }
          if (options.clipValue() > 0) {
            GradClip.clipValue(params, options.clipValue());
          }
          if (options.clipNorm() > 0) {
            GradClip.clipNormOnDevice(params, options.clipNorm(), 2.0);
          }
          optimizer.gateStep(cycle);
          optimizer.applyStep(w);
        }
        optimizer.zeroGrad();
        int n = input.rank() == 0 ? 1 : input.size(0);
        sums.add(finite, l.detach(), n, metric == null ? null : metric.sum(out.detach(), target));
      }
    }
  }

  /**
   * 1 (float64, on the device) when the loss, and with {@code checkGradients} every gradient, is
   * finite, else 0: {@code x - x} is 0 exactly for finite x and NaN otherwise.
   */
  private Tensor batchFinite(Tensor l, List<Tensor> params) {
    Tensor v = l.detach().to(DType.FLOAT64);
    Tensor residue = v.sub(v);
    if (options.checkGradients()) {
      for (Tensor p : params) {
        Tensor g = p.grad();
        if (g != null) {
          residue = residue.add(g.sub(g).sum().to(DType.FLOAT64));
        }
      }
    }
    return residue.eq(0.0);
  }

  private long[] generatorStates() {
    long[] s = new long[generators.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = generators.get(i).state();
    }
    return s;
  }

  private void restoreGeneratorStates(long[] states) {
    for (int i = 0; i < states.length; i++) {
      generators.get(i).setState(states[i]);
    }
  }

  /** The distinct generators of the model's dropout layers, in module order. */
  private static List<Generator> dropoutGenerators(Layer model) {
    List<Generator> out = new ArrayList<>();
    Map<Generator, Boolean> seen = new IdentityHashMap<>();
    ArrayDeque<Layer> todo = new ArrayDeque<>();
    todo.add(model);
    while (!todo.isEmpty()) {
      Layer m = todo.poll();
      if (m instanceof Dropout d && seen.put(d.generator(), Boolean.TRUE) == null) {
        out.add(d.generator());
      }
      todo.addAll(m.children());
    }
    return out;
  }

  private Key key(Tensor input, Tensor target, boolean[] which, int phase) {
    List<OptimizerHyperparameters> constants = new ArrayList<>();
    for (ParameterGroup<?> g : optimizer.parameterGroups()) {
      constants.add(g.options().hyperparameters().constants());
    }
    List<Boolean> updated = new ArrayList<>(which.length);
    for (boolean b : which) {
      updated.add(b);
    }
    return new Key(
        boxed(input.shape()),
        input.dtype(),
        boxed(target.shape()),
        target.dtype(),
        model.isTraining(),
        constants,
        updated,
        phase);
  }

  private static List<Integer> boxed(int[] shape) {
    return Arrays.stream(shape).boxed().toList();
  }

  private void accumulators(Device device) {
    if (sums == null) {
      sums = new StepSums(device);
    } else if (!sums.device().equals(device)) {
      throw new IllegalArgumentException(
          "training step started on " + sums.device() + ", now given a batch on " + device);
    }
  }

  /**
   * Mean loss per sample over the finite batches since the last reset (reads the device); NaN when
   * there were none.
   */
  public double runningLoss() {
    return sums == null ? Double.NaN : sums.meanLoss();
  }

  /** Samples of the finite batches since the last reset, those in the running sums (reads). */
  public long countedSamples() {
    return sums == null ? 0 : sums.countedSamples();
  }

  /**
   * Batches since the last reset whose loss (or, with {@code checkGradients}, a gradient) was not
   * finite: their cycle's update was not applied (reads the device).
   */
  public long nonFiniteBatches() {
    return sums == null ? 0 : sums.nonFiniteBatches();
  }

  /** The metric summed over the steps since the last reset (reads the device); NaN without one. */
  public double runningMetricSum() {
    return sums == null || metric == null ? Double.NaN : sums.metricSum();
  }

  /** Samples seen since the last reset. */
  public long samples() {
    return samples;
  }

  /** Sets the running sums and the sample count to 0. */
  public void resetRunningLoss() {
    if (sums != null) {
      try (var ignored = Autograd.noGrad()) {
        sums.reset();
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

  /**
   * Why the last eager step (after the first) was not replayed: graphs off, the backend, the model,
   * a failed capture; or that no step shape repeated yet.
   */
  public String eagerReason() {
    if (offReason != null) {
      return offReason;
    }
    return eagerReason != null
        ? eagerReason
        : "no step shape repeated (a graph is captured at a shape's second step)";
  }

  private String eagerReason;

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
    if (sums != null) {
      sums.close();
    }
    accumulator.close();
  }
}
