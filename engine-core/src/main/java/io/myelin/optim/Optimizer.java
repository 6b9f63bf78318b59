package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A first-order optimizer over parameter groups, as {@code torch.optim.Optimizer}: {@link #step()}
 * updates every parameter that has a gradient with the backend's fused update primitive ({@link
 * io.myelin.backend.Backend#optimizerUpdate}, one call per parameter, so a GPU runs one kernel per
 * parameter rather than a chain of tensor ops).
 *
 * <p>Per-parameter state (momentum buffers, moment estimates, the step count) is created lazily at
 * a parameter's first update, on the parameter's device and in its dtype, outside every memory
 * scope; {@link #stateDict()} and {@link #loadStateDict} save and restore it with the options of
 * each group.
 *
 * <pre>{@code
 * var opt = new Adam(model.parameters(), Adam.Options.defaults().withLr(1e-3));
 * for (var batch : loader) {
 *   opt.zeroGrad();
 *   loss(model, batch).backward();
 *   opt.step();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one training loop drives an optimizer.
 *
 * @param <O> the options record of the concrete optimizer
 */
public abstract class Optimizer<O extends OptimizerOptions<O>>
    implements LearningRateControl, AutoCloseable {
  private final OptimizerKind kind;
  private final List<ParameterGroup<O>> groups;
  private final List<Tensor> parameters;
  private final ParamState[] states;

  /** Step count, NAdam's product and the state buffers (null where a slot is unused) of one. */
  private static final class ParamState {
    long step;
    double muProduct = 1.0;
    final Tensor[] buffers;

    ParamState(int slots) {
      buffers = new Tensor[slots];
    }

    void close() {
      for (Tensor t : buffers) {
        if (t != null) {
          t.close();
        }
      }
    }
  }

  /**
   * @param kind the fused update every parameter runs
   * @param groups at least one group; a tensor may appear only once over all groups
   */
  protected Optimizer(OptimizerKind kind, List<ParameterGroup<O>> groups) {
    this.kind = kind;
    if (groups.isEmpty()) {
      throw new IllegalArgumentException(name() + ": no parameter groups given");
    }
    this.groups = List.copyOf(groups);
    List<Tensor> all = new ArrayList<>();
    Map<Tensor, Boolean> seen = new IdentityHashMap<>();
    for (ParameterGroup<O> g : this.groups) {
      for (Tensor p : g.parameters()) {
        if (seen.put(p, Boolean.TRUE) != null) {
          throw new IllegalArgumentException(
              name()
                  + ": a parameter appears in more than one place (parameter "
                  + all.size()
                  + "); each tensor may be optimised once");
        }
        if (!p.dtype().isFloating()) {
          throw new IllegalArgumentException(
              name()
                  + ": parameter "
                  + all.size()
                  + " is "
                  + p.dtype().shortName()
                  + "; only floating-point tensors can be optimised");
        }
        all.add(p);
      }
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException(name() + ": the parameter list is empty");
    }
    this.parameters = List.copyOf(all);
    this.states = new ParamState[all.size()];
  }

  /** One group holding {@code parameters}. */
  protected static <O extends OptimizerOptions<O>> List<ParameterGroup<O>> single(
      Iterable<Tensor> parameters, O options) {
    return List.of(new ParameterGroup<>(parameters, options));
  }

  /** The optimizer's name in messages ("Adam", "SGD"). */
  protected String name() {
    return getClass().getSimpleName();
  }

  /** The fused update this optimizer runs. */
  public final OptimizerKind kind() {
    return kind;
  }

  /** The parameter groups (unmodifiable; each group's options can be replaced). */
  public final List<ParameterGroup<O>> parameterGroups() {
    return groups;
  }

  /** Every parameter, numbered over the groups in order (the indices of the state dict). */
  public final List<Tensor> parameters() {
    return parameters;
  }

  @Override
  public final int parameterGroupCount() {
    return groups.size();
  }

  @Override
  public final double learningRate(int group) {
    return groups.get(group).options().lr();
  }

  /** Sets the learning rate of every group (schedules that treat the groups alike). */
  public final void setLearningRate(double lr) {
    for (int i = 0; i < groups.size(); i++) {
      setLearningRate(i, lr);
    }
  }

  /** Sets the learning rate of one group; validated like the options' constructor. */
  @Override
  public final void setLearningRate(int group, double lr) {
    ParameterGroup<O> g = groups.get(group);
    g.setOptions(g.options().withLr(lr));
  }

  /**
   * Applies one update to every parameter whose gradient is not null: one fused backend call per
   * parameter. Parameters without a gradient are skipped and their step count does not advance. The
   * same as {@link #prepareStep} then {@link #applyStep} over those parameters.
   */
  public void step() {
    boolean[] which = new boolean[parameters.size()];
    for (int i = 0; i < which.length; i++) {
      which[i] = parameters.get(i).grad() != null;
    }
    prepareStep(which);
    applyStep(which);
  }

  /**
   * The host half of a step over the parameters marked in {@code which} (indexed as {@link
   * #parameters()}): creates missing state buffers, advances their step counts and writes every
   * update's step scalars ({@link OptimizerKind#writeScalars}: learning rate, step, the derived
   * coefficients) into one device buffer with one copy. Reads no gradient, so it may run before the
   * backward pass that produces them; {@link #applyStep} with the same {@code which} uses what it
   * wrote. A captured training step runs this before each replay and {@link #applyStep} inside the
   * graph.
   */
  public final void prepareStep(boolean[] which) {
    forEachMarked(
        which,
        (index, p, h) -> {
          ParamState s = stateFor(index, p, h);
          s.step++;
          kind.writeScalars(
              h.withMuProduct(s.muProduct), s.step, hostScalars(), index * OptimizerKind.SCALARS);
          if (kind == OptimizerKind.NADAM) {
            s.muProduct *= OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), s.step);
          }
        });
    try (var ignored = Autograd.noGrad()) {
      Tensor dev = deviceScalars();
      dev.storage().backend().copyFromHost(hostScalars, 0, dev.storage(), 0, hostScalars.length);
    }
  }

  /**
   * The device half of a step: one fused update per parameter marked in {@code which}, reading its
   * gradient and the scalars the last {@link #prepareStep} wrote. Host work is argument checks
   * only; nothing is read back.
   *
   * @throws IllegalStateException if a marked parameter has no gradient or was not prepared
   */
  public final void applyStep(boolean[] which) {
    forEachMarked(
        which,
        (index, p, h) -> {
          Tensor g = p.grad();
          if (g == null || states[index] == null) {
            throw new IllegalStateException(
                name()
                    + ": parameter "
                    + index
                    + (g == null
                        ? " has no gradient"
                        : " was not prepared (call prepareStep first)"));
          }
          update(index, p, g, h);
        });
  }

  /**
   * Decides on the device whether the prepared step runs: writes {@code apply} (a one-element
   * tensor on the parameters' device, 1 to apply, 0 to skip) into entry {@link OptimizerKind#APPLY}
   * of every parameter's step scalars, where the fused update reads it. Call between {@link
   * #prepareStep} and {@link #applyStep}; a skipped update leaves parameters and state buffers
   * untouched (the step counts advanced by {@code prepareStep} stay advanced). One device copy;
   * nothing is read on the host, so a captured step can decide per replay.
   */
  public final void gateStep(Tensor apply) {
    try (var ignored = Autograd.noGrad()) {
      Tensor column =
          deviceScalars()
              .reshape(parameters.size(), OptimizerKind.SCALARS)
              .narrow(1, OptimizerKind.APPLY, 1);
      column.assign(apply.reshape(1, 1));
    }
  }

  /** One parameter of a step: its index, the tensor and its group's hyperparameters. */
  private interface MarkedParameter {
    void accept(int index, Tensor parameter, OptimizerHyperparameters h);
  }

  /** Runs {@code action} on every parameter marked in {@code which}, without gradients. */
  private void forEachMarked(boolean[] which, MarkedParameter action) {
    if (which.length != parameters.size()) {
      throw new IllegalArgumentException(
          name() + ": " + which.length + " flags for " + parameters.size() + " parameters");
    }
    try (var ignored = Autograd.noGrad()) {
      int index = 0;
      for (ParameterGroup<O> group : groups) {
        OptimizerHyperparameters h = group.options().hyperparameters();
        for (Tensor p : group.parameters()) {
          if (which[index]) {
            action.accept(index, p, h);
          }
          index++;
        }
      }
    }
  }

  private double[] hostScalars() {
    if (hostScalars == null) {
      hostScalars = new double[parameters.size() * OptimizerKind.SCALARS];
    }
    return hostScalars;
  }

  /** The device buffer of step scalars, on the first parameter's device, made once. */
  private Tensor deviceScalars() {
    if (deviceScalars == null) {
      deviceScalars =
          Tensor.zeros(
                  parameters.get(0).device(),
                  io.myelin.DType.FLOAT64,
                  parameters.size() * OptimizerKind.SCALARS)
              .persist();
    }
    return deviceScalars;
  }

  private double[] hostScalars;
  private Tensor deviceScalars;

  private void update(int index, Tensor p, Tensor g, OptimizerHyperparameters h) {
    if (!g.device().equals(p.device()) || g.dtype() != p.dtype()) {
      throw new IllegalArgumentException(
          name()
              + ": gradient of parameter "
              + index
              + " is "
              + g.dtype().shortName()
              + " on "
              + g.device()
              + ", the parameter "
              + p.dtype().shortName()
              + " on "
              + p.device());
    }
    if (!p.device().equals(deviceScalars.device())) {
      throw new IllegalArgumentException(
          name()
              + ": parameter "
              + index
              + " is on "
              + p.device()
              + ", parameter 0 on "
              + deviceScalars.device()
              + "; one optimizer updates one device");
    }
    ParamState s = states[index];
    // The fused primitive takes dense runs; views (rare for parameters) go through a copy.
    Tensor dense = p.contiguous();
    Tensor gd = g.contiguous();
    try {
      Storage[] st = new Storage[s.buffers.length];
      for (int i = 0; i < st.length; i++) {
        st[i] = s.buffers[i] == null ? null : s.buffers[i].storage();
      }
      dense
          .storage()
          .backend()
          .optimizerUpdate(
              kind,
              h,
              deviceScalars.storage(),
              index * OptimizerKind.SCALARS,
              dense.storage(),
              dense.layout().offset(),
              gd.storage(),
              gd.layout().offset(),
              st,
              p.numel());
      if (dense != p) {
        p.assign(dense);
      }
    } finally {
      if (dense != p) {
        dense.close();
      }
      if (gd != g) {
        gd.close();
      }
    }
  }

  /** The state of parameter {@code index}, created or completed for the slots {@code h} uses. */
  private ParamState stateFor(int index, Tensor p, OptimizerHyperparameters h) {
    ParamState s = states[index];
    if (s == null) {
      s = new ParamState(kind.stateCount());
      states[index] = s;
    }
    // Slots are filled on demand so that options changed between steps (turning on momentum,
    // AMSGrad, centering) get fresh buffers, as PyTorch's lazily created entries do.
    for (int i = 0; i < s.buffers.length; i++) {
      if (s.buffers[i] == null && kind.usesState(i, h)) {
        s.buffers[i] =
            Tensor.full(p.device(), p.dtype(), kind.initialState(i, h), p.shape()).persist();
      }
    }
    return s;
  }

  /** Sets every parameter's gradient to null (PyTorch's {@code zero_grad(set_to_none=True)}). */
  public void zeroGrad() {
    for (Tensor p : parameters) {
      p.zeroGrad();
    }
  }

  /** Number of updates applied to parameter {@code index} (0 before its first). */
  public final long stepCount(int index) {
    ParamState s = states[index];
    return s == null ? 0 : s.step;
  }

  /**
   * The live state tensor {@code name} ({@code exp_avg}, {@code momentum_buffer}...) of parameter
   * {@code index}, or null if it has none yet. Do not close it; read it or copy it.
   */
  public final Tensor state(int index, String name) {
    ParamState s = states[index];
    if (s == null) {
      return null;
    }
    for (int i = 0; i < s.buffers.length; i++) {
      if (kind.stateName(i).equals(name)) {
        return s.buffers[i];
      }
    }
    throw new IllegalArgumentException(
        name() + " has no state named '" + name + "' (it has " + stateNames() + ")");
  }

  private List<String> stateNames() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < kind.stateCount(); i++) {
      names.add(kind.stateName(i));
    }
    return names;
  }

  /** A snapshot (copied tensors) of every group's options and every parameter's state. */
  public OptimizerStateDict<O> stateDict() {
    List<O> options = new ArrayList<>();
    for (ParameterGroup<O> g : groups) {
      options.add(g.options());
    }
    Map<Integer, OptimizerStateDict.ParameterState> map = new LinkedHashMap<>();
    try (var ignored = Autograd.noGrad()) {
      for (int i = 0; i < states.length; i++) {
        ParamState s = states[i];
        if (s == null) {
          continue;
        }
        Map<String, Tensor> buffers = new HashMap<>();
        for (int k = 0; k < s.buffers.length; k++) {
          if (s.buffers[k] != null) {
            buffers.put(kind.stateName(k), s.buffers[k].copy().persist());
          }
        }
        map.put(i, new OptimizerStateDict.ParameterState(s.step, s.muProduct, buffers));
      }
    }
    return new OptimizerStateDict<>(options, map);
  }

  /**
   * Replaces every group's options and every parameter's state with copies of those in {@code dict}
   * (moved to each parameter's device). The dict must come from an optimizer of the same type over
   * parameters of the same shapes in the same order; it stays owned by the caller.
   *
   * @throws IllegalArgumentException when the group count, a parameter index, a state name or a
   *     state shape does not match
   */
  public void loadStateDict(OptimizerStateDict<O> dict) {
    if (dict.groups().size() != groups.size()) {
      throw new IllegalArgumentException(
          name()
              + ".loadStateDict: the dict has "
              + dict.groups().size()
              + " parameter groups, this optimizer "
              + groups.size());
    }
    List<String> names = stateNames();
    for (var e : dict.state().entrySet()) {
      int index = e.getKey();
      if (index < 0 || index >= parameters.size()) {
        throw new IllegalArgumentException(
            name()
                + ".loadStateDict: state for parameter "
                + index
                + ", but there are only "
                + parameters.size());
      }
      Tensor p = parameters.get(index);
      for (var b : e.getValue().buffers().entrySet()) {
        if (!names.contains(b.getKey())) {
          throw new IllegalArgumentException(
              name()
                  + ".loadStateDict: unknown state '"
                  + b.getKey()
                  + "' for parameter "
                  + index
                  + " (expected one of "
                  + names
                  + ")");
        }
        if (!Arrays.equals(b.getValue().shape(), p.shape())) {
          throw new IllegalArgumentException(
              name()
                  + ".loadStateDict: state '"
                  + b.getKey()
                  + "' of parameter "
                  + index
                  + " has shape "
                  + Arrays.toString(b.getValue().shape())
                  + ", the parameter "
                  + Arrays.toString(p.shape()));
        }
      }
    }
    // Validated: now replace, so a bad dict leaves the optimizer untouched.
    for (int i = 0; i < groups.size(); i++) {
      groups.get(i).setOptions(dict.groups().get(i));
    }
    clearState();
    try (var ignored = Autograd.noGrad()) {
      for (var e : dict.state().entrySet()) {
        Tensor p = parameters.get(e.getKey());
        ParamState s = new ParamState(kind.stateCount());
        s.step = e.getValue().step();
        s.muProduct = e.getValue().muProduct();
        for (var b : e.getValue().buffers().entrySet()) {
          Tensor t = Tensor.empty(p.device(), p.dtype(), p.shape()).persist();
          Tensor src = b.getValue().to(p.device());
          t.assign(src);
          if (src != b.getValue()) {
            src.close();
          }
          s.buffers[names.indexOf(b.getKey())] = t;
        }
        states[e.getKey()] = s;
      }
    }
  }

  private void clearState() {
    for (int i = 0; i < states.length; i++) {
      if (states[i] != null) {
        states[i].close();
        states[i] = null;
      }
    }
  }

  /** Frees the state tensors; the parameters are the caller's and stay open. */
  @Override
  public void close() {
    clearState();
    if (deviceScalars != null) {
      deviceScalars.close();
      deviceScalars = null;
    }
  }

  @Override
  public String toString() {
    List<String> g = new ArrayList<>();
    for (ParameterGroup<O> group : groups) {
      g.add(group.parameters().size() + " parameters " + group.options());
    }
    return name() + Collections.unmodifiableList(g);
  }
}
