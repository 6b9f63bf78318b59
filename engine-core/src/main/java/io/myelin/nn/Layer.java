package io.myelin.nn;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A layer or a model: a function of one tensor with named parameters, buffers and sub-modules, as
 * PyTorch's {@code torch.nn.Module} (named {@code Layer}, as in Keras, so that {@code import
 * io.myelin.nn.*} does not clash with {@code java.lang.Module}).
 *
 * <p>A subclass registers what it owns in its constructor: {@link #registerParameter} (trainable
 * tensors: they require grad and are {@link Tensor#persist() persisted}, i.e. outside every {@link
 * io.myelin.memory.MemoryScope}), {@link #registerBuffer} (state that is saved but not trained,
 * such as BatchNorm's running statistics) and {@link #registerModule} (children). Names are then
 * dotted paths as in PyTorch: {@code "0.weight"} for the weight of the first layer of a {@link
 * Sequential}, {@code "bn.running_mean"} for a buffer of a child named {@code bn}. Read your own
 * tensors back with {@link #parameter(String)} / {@link #buffer(String)} on every call rather than
 * caching them in fields: {@link #to(Device)} and {@link #to(DType)} replace them.
 *
 * <pre>{@code
 * Layer model = new Sequential(new Linear(784, 128), ActivationLayer.relu(), new Linear(128, 10));
 * Tensor logits = model.forward(images);          // [N, 784] -> [N, 10]
 * model.stateDict().keySet();                     // [0.weight, 0.bias, 2.weight, 2.bias]
 * model.eval();                                    // dropout off, BatchNorm uses running stats
 * }</pre>
 *
 * <p>Thread-safety: a module is not synchronised. Training mutates parameters, buffers and
 * gradients; use one module per thread, or only read it (forward in eval mode) concurrently.
 */
public abstract class Layer {
  private final LinkedHashMap<String, Tensor> parameters = new LinkedHashMap<>();
  private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
  private final LinkedHashMap<String, Layer> children = new LinkedHashMap<>();
  private boolean training = true;

  /** Computes this module's output for {@code input} (shape contract: see each subclass). */
  public abstract Tensor forward(Tensor input);

  // ---- registration (subclasses) ----------------------------------------------------------

  /**
   * Registers {@code tensor} as the trainable parameter {@code name}: it is marked {@code
   * requiresGrad(true)} and persisted. Returns it.
   *
   * @throws IllegalArgumentException on an empty, dotted or already used name, or a tensor that was
   *     computed by an op (parameters are leaves)
   */
  protected final Tensor registerParameter(String name, Tensor tensor) {
    checkNewName(name);
    if (!tensor.isLeaf()) {
      throw new IllegalArgumentException(
          "parameter '"
              + name
              + "' must be a leaf tensor (create it under Autograd.noGrad() or detach it)");
    }
    parameters.put(name, tensor.persist().requiresGrad(true));
    return tensor;
  }

  /** Registers {@code tensor} (persisted, no gradient) as the buffer {@code name}. Returns it. */
  protected final Tensor registerBuffer(String name, Tensor tensor) {
    checkNewName(name);
    buffers.put(name, tensor.persist());
    return tensor;
  }

  /** Registers {@code module} as the child {@code name}. Returns it. */
  protected final <M extends Layer> M registerModule(String name, M module) {
    checkNewName(name);
    if (module == this) {
      throw new IllegalArgumentException("a module cannot be its own child ('" + name + "')");
    }
    children.put(name, module);
    return module;
  }

  /** This module's own parameter {@code name} (not a child's). */
  protected final Tensor parameter(String name) {
    return lookup(parameters, name, "parameter");
  }

  /** This module's own buffer {@code name} (not a child's). */
  protected final Tensor buffer(String name) {
    return lookup(buffers, name, "buffer");
  }

  private Tensor lookup(Map<String, Tensor> map, String name, String kind) {
    Tensor t = map.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          getClass().getSimpleName()
              + " has no "
              + kind
              + " '"
              + name
              + "'; it has "
              + map.keySet());
    }
    return t;
  }

  private void checkNewName(String name) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException(
          "module member names must be non-empty and dot-free, got '" + name + "'");
    }
    if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + " already has a member named '" + name + "'");
    }
  }

  // ---- traversal ----------------------------------------------------------------------------

  /** Every trainable parameter of this module and its descendants, in registration order. */
  public List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** Parameters by dotted name ({@code "0.weight"}), own ones first, then each child's. */
  public LinkedHashMap<String, Tensor> namedParameters() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    collect(out, "", true, false);
    return out;
  }

  /** Buffers (running statistics) by dotted name. */
  public LinkedHashMap<String, Tensor> namedBuffers() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    collect(out, "", false, true);
    return out;
  }

  /** The direct children by name (read-only view). */
  public Map<String, Layer> namedChildren() {
    return Collections.unmodifiableMap(children);
  }

  /** The direct children in registration order. */
  public List<Layer> children() {
    return new ArrayList<>(children.values());
  }

  // PyTorch's state_dict order: a module's own parameters, then its own buffers, then children.
  private void collect(Map<String, Tensor> out, String prefix, boolean params, boolean bufs) {
    if (params) {
      parameters.forEach((k, v) -> out.put(prefix + k, v));
    }
    if (bufs) {
      buffers.forEach((k, v) -> out.put(prefix + k, v));
    }
    children.forEach((k, c) -> c.collect(out, prefix + k + ".", params, bufs));
  }

  /** Number of trainable scalars. */
  public long numParameters() {
    long n = 0;
    for (Tensor p : parameters()) {
      n += p.numel();
    }
    return n;
  }

  /**
   * Calls {@code fn} on every descendant, children first, then on this module (PyTorch's order),
   * typically to initialise weights. Returns this.
   */
  public Layer apply(Consumer<Layer> fn) {
    for (Layer c : children.values()) {
      c.apply(fn);
    }
    fn.accept(this);
    return this;
  }

  // ---- modes ---------------------------------------------------------------------------------

  /** Training mode (the default): dropout active, BatchNorm on batch statistics. Returns this. */
  public Layer train() {
    return train(true);
  }

  /** Sets training mode on this module and every descendant. Returns this. */
  public Layer train(boolean mode) {
    training = mode;
    for (Layer c : children.values()) {
      c.train(mode);
    }
    return this;
  }

  /**
   * Whether a training step through this module can be captured as a graph and replayed (see {@link
   * io.myelin.train.TrainingStep}): true unless the module makes host-side decisions per call.
   * Containers ask their children. {@link Dropout} is capturable: the step binds its generator to a
   * device counter, so replays draw fresh masks.
   */
  public boolean capturable() {
    for (Layer c : children()) {
      if (!c.capturable()) {
        return false;
      }
    }
    return true;
  }

  /** Evaluation mode: {@code train(false)}. Returns this. */
  public Layer eval() {
    return train(false);
  }

  public boolean isTraining() {
    return training;
  }

  /** What {@link #evalMode()} returns: closing it puts the module back in its former mode. */
  public interface ModeScope extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Puts this module (and its children) in eval mode until the returned scope is closed, then back
   * in the mode it was in: the one way to "run in eval mode, then restore".
   *
   * <pre>{@code
   * try (var eval = model.evalMode(); var noGrad = Autograd.noGrad()) {
   *   Tensor out = model.forward(x);
   * }
   * }</pre>
   */
  public ModeScope evalMode() {
    boolean was = training;
    eval();
    return () -> train(was);
  }

  /** Drops every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
  public void zeroGrad() {
    for (Tensor p : parameters()) {
      p.zeroGrad();
    }
  }

  // ---- state ---------------------------------------------------------------------------------

  /**
   * Parameters and buffers by PyTorch key name, in PyTorch's order (for each module: its
   * parameters, its buffers, then its children). The values are the live tensors, not copies: do
   * not close them; copy them to keep a snapshot.
   */
  public LinkedHashMap<String, Tensor> stateDict() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    collect(out, "", true, true);
    return out;
  }

  /**
   * Copies {@code state} into this module's parameters and buffers in place (converting dtype and
   * device as needed). Every problem is found before anything is written and reported in one {@link
   * IllegalArgumentException}: shape mismatches always, and when {@code strict} also the keys this
   * module has that {@code state} lacks (missing) and the keys it does not know (unexpected), as
   * PyTorch's {@code load_state_dict}.
   *
   * @return the missing and unexpected keys (both empty after a strict load)
   */
  public StateDicts.LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
    LinkedHashMap<String, Tensor> own = stateDict();
    StateDicts.LoadResult result =
        StateDicts.validate(getClass().getSimpleName(), own, state, strict);
    try (var ignored = Autograd.noGrad()) {
      for (var e : own.entrySet()) {
        Tensor src = state.get(e.getKey());
        if (src != null) {
          Tensor dst = e.getValue();
          Tensor moved = src.to(dst.device());
          dst.assign(moved);
          if (moved != src) {
            moved.close();
          }
        }
      }
    }
    return result;
  }

  /**
   * Moves every parameter and buffer to {@code device}, replacing the tensors held. Returns this.
   */
  public Layer to(Device device) {
    return convert(t -> t.to(device));
  }

  /**
   * Converts every floating-point parameter and buffer to {@code dtype} (integer buffers such as
   * {@code num_batches_tracked} stay as they are, as in PyTorch), replacing the tensors held.
   * Returns this.
   */
  public Layer to(DType dtype) {
    if (!dtype.isFloating()) {
      throw new IllegalArgumentException(
          "Layer.to: parameters must be floating point, got " + dtype);
    }
    return convert(t -> t.dtype().isFloating() ? t.to(dtype) : t);
  }

  /**
   * Replaces each tensor by {@code fn(tensor)}. The old tensors are closed (their memory may be on
   * a device), so build optimizers after moving a model, as in PyTorch. Gradients are dropped.
   */
  private Layer convert(UnaryOperator<Tensor> fn) {
    try (var ignored = Autograd.noGrad()) {
      replaceAll(parameters, fn);
      replaceAll(buffers, fn);
    }
    for (Layer c : children.values()) {
      c.convert(fn);
    }
    return this;
  }

  private static void replaceAll(Map<String, Tensor> map, UnaryOperator<Tensor> fn) {
    for (var e : map.entrySet()) {
      Tensor old = e.getValue();
      Tensor moved = fn.apply(old);
      if (moved == old) {
        continue;
      }
      moved.persist();
      if (old.requiresGrad()) {
        moved.requiresGrad(true); // a frozen parameter stays frozen
      }
      old.zeroGrad();
      old.close();
      e.setValue(moved);
    }
  }

  // ---- display -------------------------------------------------------------------------------

  /** One-line description of this module's own configuration (e.g. "in=3, out=4"). */
  protected String extraRepr() {
    return "";
  }

  /** PyTorch-style tree: {@code Sequential(\n (0): Linear(in=2, out=4, bias=true)\n ...)}. */
  @Override
  public String toString() {
    String head = getClass().getSimpleName() + "(" + extraRepr();
    if (children.isEmpty()) {
      return head + ")";
    }
    StringBuilder sb = new StringBuilder(head).append('\n');
    children.forEach(
        (k, c) ->
            sb.append("  (")
                .append(k)
                .append("): ")
                .append(c.toString().replace("\n", "\n  "))
                .append('\n'));
    return sb.append(')').toString();
  }
}
