package io.myelin.autograd;

import io.myelin.Tensor;
import java.util.Arrays;

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
 * <p>Cost: when no dual level is live anywhere, each op pays one read of a static counter; the
 * state of a live level is per thread. One level per thread (nesting is refused): jvp of jvp, i.e.
 * third-order forward mode, is not supported.
 */
public final class ForwardAD {
  /** Live levels over all threads: the only check an op makes when forward mode is unused. */
  private static volatile int liveLevels;

  private static final ThreadLocal<LevelState> CURRENT = new ThreadLocal<>();
  private static final java.util.concurrent.atomic.AtomicLong NEXT_ID =
      new java.util.concurrent.atomic.AtomicLong(1);

  private ForwardAD() {}

  /** A primal and its tangent (null when it has none at the live level). */
  public record Dual(Tensor primal, Tensor tangent) {}

  /** The per-thread state of a live level. */
  private static final class LevelState {
    final long id = NEXT_ID.getAndIncrement();
    int suspended;
  }

  /** A live dual level; closing it drops the tangents made in it. */
  public static final class DualLevel implements AutoCloseable {
    private final LevelState state;
    private boolean closed;

    private DualLevel(LevelState state) {
      this.state = state;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (CURRENT.get() == state) {
        CURRENT.remove();
      }
      synchronized (ForwardAD.class) {
        liveLevels--;
      }
    }
  }

  /**
   * Enters a dual level on this thread (try-with-resources).
   *
   * @throws IllegalStateException when this thread already has a live level
   */
  public static DualLevel dualLevel() {
    if (CURRENT.get() != null) {
      throw new IllegalStateException(
          "ForwardAD.dualLevel: a dual level is already live on this thread; nested levels "
              + "(forward over forward) are not supported");
    }
    LevelState s = new LevelState();
    CURRENT.set(s);
    synchronized (ForwardAD.class) {
      liveLevels++;
    }
    return new DualLevel(s);
  }

  /** True inside a live dual level on this thread. */
  public static boolean isLevelLive() {
    return liveLevels != 0 && CURRENT.get() != null;
  }

  /** True when ops on this thread must propagate tangents now (a live, unsuspended level). */
  public static boolean isPropagating() {
    if (liveLevels == 0) {
      return false;
    }
    LevelState s = CURRENT.get();
    return s != null && s.suspended == 0;
  }

  /**
   * A view of {@code primal} that carries {@code tangent} (same shape and dtype) in the live level.
   * Reverse mode sees an identity op: gradients of the dual flow to {@code primal}.
   *
   * @throws IllegalStateException outside a dual level
   * @throws IllegalArgumentException when the shapes or dtypes differ
   */
  public static Tensor makeDual(Tensor primal, Tensor tangent) {
    LevelState s = live("makeDual");
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
    Tensor dual;
    try (var ignored = suspend()) {
      dual = primal.reshape(primal.shape()); // a view; recorded as an identity for reverse mode
    }
    Tape.internals().setTangent(dual, tangent, s.id);
    return dual;
  }

  /**
   * The primal (a view without tangent, still connected for reverse mode) and the tangent of {@code
   * t} at the live level (null when it has none).
   */
  public static Dual unpackDual(Tensor t) {
    LevelState s = live("unpackDual");
    Tensor primal;
    try (var ignored = suspend()) {
      primal = t.reshape(t.shape());
    }
    return new Dual(primal, Tape.internals().tangent(t, s.id));
  }

  /** The tangent of {@code t} at the live level, or null (also outside any level). */
  public static Tensor tangentOf(Tensor t) {
    if (liveLevels == 0 || t == null) {
      return null;
    }
    LevelState s = CURRENT.get();
    return s == null ? null : Tape.internals().tangent(t, s.id);
  }

  /**
   * Attaches {@code tangent} to {@code t} at the live level (for rules of first-order backwards).
   */
  static void setTangent(Tensor t, Tensor tangent) {
    LevelState s = CURRENT.get();
    if (s != null && t != null && tangent != null) {
      Tape.internals().setTangent(t, tangent, s.id);
    }
  }

  /** A scope in which ops compute values only (inside tangent rules and fused forwards). */
  public static Suspension suspend() {
    LevelState s = liveLevels == 0 ? null : CURRENT.get();
    if (s != null) {
      s.suspended++;
    }
    return new Suspension(s);
  }

  /** Closes a {@link #suspend()} region. */
  public static final class Suspension implements AutoCloseable {
    private LevelState state;

    private Suspension(LevelState state) {
      this.state = state;
    }

    @Override
    public void close() {
      if (state != null) {
        state.suspended--;
        state = null;
      }
    }
  }

  private static LevelState live(String what) {
    LevelState s = liveLevels == 0 ? null : CURRENT.get();
    if (s == null) {
      throw new IllegalStateException(
          "ForwardAD." + what + ": no dual level is live; use try (var l = ForwardAD.dualLevel())");
    }
    return s;
  }

  /**
   * Called by the tape for every op while propagating: when an input carries a tangent, runs the
   * op's rule and attaches the result to {@code out}; with no rule, fails naming the op.
   */
  static void propagate(String op, Tensor out, TangentFunction rule, Tensor[] inputs) {
    LevelState s = CURRENT.get();
    Tensor[] tangents = null;
    for (int i = 0; i < inputs.length; i++) {
      Tensor t = inputs[i] == null ? null : Tape.internals().tangent(inputs[i], s.id);
      if (t != null) {
        if (tangents == null) {
          tangents = new Tensor[inputs.length];
        }
        tangents[i] = t;
      }
    }
    if (tangents == null) {
      return;
    }
    if (rule == null) {
      throw new UnsupportedOperationException(
          "forward-mode AD: op '" + op + "' has no tangent rule; it cannot run on dual tensors");
    }
    Tensor t;
    s.suspended++;
    try {
      t = rule.apply(tangents);
    } finally {
      s.suspended--;
    }
    if (t == null) {
      return; // the op's output does not depend on the tangents given (e.g. integer results)
    }
    int[] shape = out.shape();
    if (!Arrays.equals(t.shape(), shape)) {
      try (var ignored = suspend()) {
        t = t.expand(shape);
      }
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
    Tape.internals().setTangent(out, t, s.id);
  }
}
