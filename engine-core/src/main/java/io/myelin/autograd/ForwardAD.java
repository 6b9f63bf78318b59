package io.myelin.autograd;

import io.myelin.Tensor;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forward-mode automatic differentiation with dual tensors, as PyTorch's {@code
 * torch.autograd.forward_ad}: inside a {@link #dualLevel()} scope a tensor made by {@link
 * #makeDual} carries a tangent, and every differentiable op computes its output's tangent (the
 * Jacobian-vector product) from its inputs' tangents with the rule written beside its backward. An
 * op without a rule fails naming the op ({@link UnsupportedOperationException}), never a wrong
 * number. Leaving the scope drops every tangent made in it.
 *
 * <pre>{@code
 * try (var level = ForwardAD.dualLevel()) {
 *   Tensor x = ForwardAD.makeDual(Tensor.of(new double[] {0.5}), Tensor.of(new double[] {1}));
 *   Tensor j = x.square().sin().add(x.square().mul(3.0)).cos();
 *   ForwardAD.Dual d = ForwardAD.unpackDual(j);   // d.tangent() = dJ/dx at 0.5
 * }
 * }</pre>
 *
 * <p>Forward over reverse: the backward of every op is itself made of ops with tangent rules (or
 * has an explicit rule for its tangent), so a gradient computed inside a dual level carries the
 * tangent {@code H v} (a Hessian-vector product; see {@link Functional#hvp}).
 *
 * <p>Forward over forward: levels nest (a level opened inside another, as JAX's jvp of jvp). The
 * functions {@link #makeDual}, {@link #unpackDual} and {@link #tangentOf} act on the innermost live
 * level; an inner level's tangents are computed with the outer levels still propagating, so the
 * tangent of an inner tangent at the outer level is a second directional derivative:
 *
 * <pre>{@code
 * try (var outer = ForwardAD.dualLevel()) {
 *   Tensor x1 = ForwardAD.makeDual(x, u);
 *   Tensor t;
 *   try (var inner = ForwardAD.dualLevel()) {
 *     t = ForwardAD.tangentOf(ForwardAD.makeDual(x1, v).sin()); // cos(x) v
 *   }
 *   Tensor d2 = ForwardAD.tangentOf(t);                        // -sin(x) u v
 * }
 * }</pre>
 *
 * Ops whose rule is marked {@link TangentFunction#nestable} take part: the element-wise ops, where,
 * matmul, the reductions, softmax/log-softmax, views and copies. Any other op (the fused
 * primitives, {@link DifferentiableOp}s) runs in one level at a time and fails naming the op where
 * tangents of two levels meet in it.
 *
 * <p>Cost: when no dual level is live anywhere, each op pays one read of a static counter; the
 * state of live levels is per thread.
 */
public final class ForwardAD {
  /** Live levels over all threads: the only check an op makes when forward mode is unused. */
  private static volatile int liveLevels;

  /** Ids of every live level on any thread: tangents of other ids are stale. */
  private static final Set<Long> LIVE_IDS = ConcurrentHashMap.newKeySet();

  private static final ThreadLocal<Levels> CURRENT = new ThreadLocal<>();
  private static final AtomicLong NEXT_ID = new AtomicLong(1);

  private static TensorInternals internals;

  private ForwardAD() {}

  private static TensorInternals internals() {
    TensorInternals i = internals;
    if (i == null) {
      internals = i = Tape.internals();
    }
    return i;
  }

  /** A primal and its tangent (null when it has none at the live level). */
  public record Dual(Tensor primal, Tensor tangent) {}

  /**
   * The live levels of one thread, outermost first, and how many of them (counted from the
   * outermost) propagate now: all of them normally, fewer while an inner level's rule runs, none in
   * a {@link #suspend()} region.
   */
  private static final class Levels {
    long[] ids = new long[4];
    int size;
    int active;
  }

  /** A live dual level; closing it drops the tangents made in it (and closes levels inside it). */
  public static final class DualLevel implements AutoCloseable {
    private final Levels levels;
    private final long id;
    private final int depth;
    private boolean closed;

    private DualLevel(Levels levels, long id, int depth) {
      this.levels = levels;
      this.id = id;
      this.depth = depth;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (levels.size <= depth || levels.ids[depth] != id) {
        return; // already closed with an enclosing level
      }
      int dropped = levels.size - depth;
      for (int i = depth; i < levels.size; i++) {
        LIVE_IDS.remove(levels.ids[i]);
      }
      levels.size = depth;
      levels.active = Math.min(levels.active, depth);
      if (depth == 0) {
        CURRENT.remove();
      }
      synchronized (ForwardAD.class) {
        liveLevels -= dropped;
      }
    }
  }

  /**
   * Enters a dual level on this thread (try-with-resources), inside the live ones if any.
   *
   * @throws IllegalStateException inside a tangent rule or a {@link #suspend()} region
   */
  public static DualLevel dualLevel() {
    Levels ls = CURRENT.get();
    if (ls == null) {
      ls = new Levels();
      CURRENT.set(ls);
    } else if (ls.active != ls.size) {
      throw new IllegalStateException(
          "ForwardAD.dualLevel: cannot open a level while tangent propagation is suspended"
              + " (inside a tangent rule or a DifferentiableOp's forward)");
    }
    long id = NEXT_ID.getAndIncrement();
    if (ls.size == ls.ids.length) {
      ls.ids = Arrays.copyOf(ls.ids, ls.size * 2);
    }
    int depth = ls.size;
    ls.ids[ls.size++] = id;
    ls.active = ls.size;
    LIVE_IDS.add(id);
    synchronized (ForwardAD.class) {
      liveLevels++;
    }
    return new DualLevel(ls, id, depth);
  }

  /** True inside a live dual level on this thread. */
  public static boolean isLevelLive() {
    if (liveLevels == 0) {
      return false;
    }
    Levels ls = CURRENT.get();
    return ls != null && ls.size > 0;
  }

  /** True when ops on this thread must propagate tangents now (a live, unsuspended level). */
  public static boolean isPropagating() {
    if (liveLevels == 0) {
      return false;
    }
    Levels ls = CURRENT.get();
    return ls != null && ls.active > 0;
  }

  /**
   * A view of {@code primal} that carries {@code tangent} (same shape and dtype) in the innermost
   * live level, and the tangents {@code primal} has in the outer ones. Reverse mode sees an
   * identity op: gradients of the dual flow to {@code primal}.
   *
   * @throws IllegalStateException outside a dual level
   * @throws IllegalArgumentException when the shapes or dtypes differ
   */
  public static Tensor makeDual(Tensor primal, Tensor tangent) {
    Levels ls = live("makeDual");
    if (!Arrays.equals(primal.shape(), tangent.shape())
        || primal.dtype() != tangent.dtype()
        || !primal.device().equals(tangent.device())) {
      throw new IllegalArgumentException(
          "makeDual: the tangent must have the primal's shape, dtype"
              + " and device; primal "
              + Arrays.toString(primal.shape())
              + " "
              + primal.dtype().shortName()
              + " on "
              + primal.device()
              + ", tangent "
              + Arrays.toString(tangent.shape())
              + " "
              + tangent.dtype().shortName()
              + " on "
              + tangent.device());
    }
    if (!primal.dtype().isFloating()) {
      throw new IllegalArgumentException(
          "makeDual: needs a floating-point primal, got " + primal.dtype().shortName());
    }
    int inner = ls.size - 1;
    Tensor dual = outerView(ls, primal); // recorded as an identity for reverse mode
    set(dual, tangent, ls.ids[inner]);
    return dual;
  }

  /**
   * The primal (a view without the innermost level's tangent, still connected for reverse mode and
   * keeping the outer levels' tangents) and the tangent of {@code t} at the innermost live level
   * (null when it has none).
   */
  public static Dual unpackDual(Tensor t) {
    Levels ls = live("unpackDual");
    Tensor primal = outerView(ls, t);
    return new Dual(primal, get(t, ls.ids[ls.size - 1]));
  }

  /** A view of t that the levels outside the innermost propagate through (the innermost not). */
  private static Tensor outerView(Levels ls, Tensor t) {
    int saved = ls.active;
    ls.active = Math.min(saved, ls.size - 1);
    try {
      return t.reshape(t.shape());
    } finally {
      ls.active = saved;
    }
  }

  /** The tangent of {@code t} at the innermost live level, or null (also outside any level). */
  public static Tensor tangentOf(Tensor t) {
    if (liveLevels == 0 || t == null) {
      return null;
    }
    Levels ls = CURRENT.get();
    return ls == null || ls.size == 0 ? null : get(t, ls.ids[ls.size - 1]);
  }

  /**
   * True when {@code t} carries a tangent at a level that propagates now on this thread (any of
   * them, not only the innermost): what an op without a rule must refuse.
   */
  public static boolean hasTangent(Tensor t) {
    if (liveLevels == 0 || t == null) {
      return false;
    }
    Levels ls = CURRENT.get();
    if (ls == null) {
      return false;
    }
    for (int k = 0; k < ls.active; k++) {
      if (get(t, ls.ids[k]) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Attaches {@code tangent} to {@code t} at the innermost live level (for rules of first-order
   * backwards).
   */
  static void setTangent(Tensor t, Tensor tangent) {
    Levels ls = liveLevels == 0 ? null : CURRENT.get();
    if (ls != null && ls.size > 0 && t != null && tangent != null) {
      set(t, tangent, ls.ids[ls.size - 1]);
    }
  }

  /**
   * True when a tensor of {@code ts} carries a tangent at a live level other than the innermost: a
   * first-order rule, which handles the innermost level only, must refuse it.
   */
  static boolean hasOuterTangents(Tensor... ts) {
    Levels ls = liveLevels == 0 ? null : CURRENT.get();
    if (ls == null || ls.size < 2) {
      return false;
    }
    for (int k = 0; k < ls.size - 1; k++) {
      for (Tensor t : ts) {
        if (t != null && get(t, ls.ids[k]) != null) {
          return true;
        }
      }
    }
    return false;
  }

  /** A scope in which ops compute values only (inside tangent rules and fused forwards). */
  public static Suspension suspend() {
    Levels ls = liveLevels == 0 ? null : CURRENT.get();
    if (ls == null) {
      return new Suspension(null, 0);
    }
    Suspension s = new Suspension(ls, ls.active);
    ls.active = 0;
    return s;
  }

  /** Closes a {@link #suspend()} region. */
  public static final class Suspension implements AutoCloseable {
    private Levels levels;
    private final int active;

    private Suspension(Levels levels, int active) {
      this.levels = levels;
      this.active = active;
    }

    @Override
    public void close() {
      if (levels != null) {
        levels.active = Math.min(active, levels.size);
        levels = null;
      }
    }
  }

  private static Levels live(String what) {
    Levels ls = liveLevels == 0 ? null : CURRENT.get();
    if (ls == null || ls.size == 0) {
      throw new IllegalStateException(
          "ForwardAD." + what + ": no dual level is live; use try (var l = ForwardAD.dualLevel())");
    }
    return ls;
  }

  /** A rule marked valid under nested levels (see {@link TangentFunction#nestable}). */
  static final class NestableTangent implements TangentFunction {
    private final TangentFunction rule;

    NestableTangent(TangentFunction rule) {
      this.rule = rule;
    }

    @Override
    public Tensor apply(Tensor[] inputTangents) {
      return rule.apply(inputTangents);
    }
  }

  /**
   * Called by the tape for every op while propagating: for each propagating level, outermost first,
   * when an input carries a tangent there, runs the op's rule and attaches the result to {@code
   * out}; with no rule, fails naming the op. A nestable rule runs with the levels outside its own
   * still propagating (so its result carries their tangents: forward over forward); any other rule
   * with every level suspended, and it fails naming the op where two levels meet.
   */
  static void propagate(String op, Tensor out, TangentFunction rule, Tensor[] inputs) {
    Levels ls = CURRENT.get();
    int active = ls.active;
    boolean nestable = rule instanceof NestableTangent;
    if (!nestable && active > 1) {
      refuseMeetingLevels(op, ls, active, inputs);
    }
    for (int k = 0; k < active; k++) {
      long id = ls.ids[k];
      Tensor[] tangents = null;
      for (int i = 0; i < inputs.length; i++) {
        Tensor t = inputs[i] == null ? null : get(inputs[i], id);
        if (t != null) {
          if (tangents == null) {
            tangents = new Tensor[inputs.length];
          }
          tangents[i] = t;
        }
      }
      if (tangents == null) {
        continue;
      }
      if (rule == null) {
        throw new UnsupportedOperationException(
            "forward-mode AD: op '" + op + "' has no tangent rule; it cannot run on dual tensors");
      }
      Tensor t;
      ls.active = nestable ? k : 0;
      try {
        t = rule.apply(tangents);
        if (t != null && !Arrays.equals(t.shape(), out.shape())) {
          t = t.expand(out.shape());
        }
      } finally {
        ls.active = active;
      }
      if (t == null) {
        continue; // the op's output does not depend on the tangents given (e.g. integer results)
      }
      if (t.dtype() != out.dtype()) {
        throw new IllegalStateException(
            "internal error: tangent rule of '"
                + op
                + "' returned "
                + t.dtype().shortName()
                + " for a "
                + out.dtype().shortName()
                + " output");
      }
      set(out, t, id);
    }
  }

  /**
   * Fails naming {@code op} (whose rule is not nestable) when its inputs carry tangents of two
   * propagating levels, or a tangent that itself carries one: its rule would drop the cross term.
   */
  private static void refuseMeetingLevels(String op, Levels ls, int active, Tensor[] inputs) {
    int levelsSeen = 0;
    for (int k = 0; k < active; k++) {
      boolean here = false;
      for (Tensor in : inputs) {
        Tensor t = in == null ? null : get(in, ls.ids[k]);
        if (t == null) {
          continue;
        }
        here = true;
        for (int j = 0; j < active; j++) {
          if (j != k && get(t, ls.ids[j]) != null) {
            levelsSeen = 2;
          }
        }
      }
      levelsSeen += here ? 1 : 0;
    }
    if (levelsSeen > 1) {
      throw new UnsupportedOperationException(
          "forward-mode AD: op '"
              + op
              + "' has no tangent rule for nested dual levels (forward over forward); it"
              + " supports one level at a time");
    }
  }

  // ---- the tangents of one tensor, by level ----------------------------------------------

  /** The tangents of one tensor: parallel arrays of level ids and tangents (small: one a level). */
  private record Slots(long[] levels, Tensor[] tangents) {}

  private static Tensor get(Tensor t, long level) {
    Object o = internals().tangents(t);
    if (o == null) {
      return null;
    }
    Slots s = (Slots) o;
    for (int i = 0; i < s.levels.length; i++) {
      if (s.levels[i] == level) {
        return s.tangents[i];
      }
    }
    return null;
  }

  /** Sets t's tangent at {@code level}, dropping those of levels no longer live. */
  private static void set(Tensor t, Tensor tangent, long level) {
    Object o = internals().tangents(t);
    if (o == null) {
      internals().setTangents(t, new Slots(new long[] {level}, new Tensor[] {tangent}));
      return;
    }
    Slots s = (Slots) o;
    long[] levels = new long[s.levels.length + 1];
    Tensor[] tangents = new Tensor[s.levels.length + 1];
    int n = 0;
    for (int i = 0; i < s.levels.length; i++) {
      if (s.levels[i] != level && LIVE_IDS.contains(s.levels[i])) {
        levels[n] = s.levels[i];
        tangents[n++] = s.tangents[i];
      }
    }
    levels[n] = level;
    tangents[n++] = tangent;
    internals().setTangents(t, new Slots(Arrays.copyOf(levels, n), Arrays.copyOf(tangents, n)));
  }
}
