package io.myelin.memory;

import io.myelin.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Owns every tensor created inside it on this thread and closes them when it closes, except those
 * that escape.
 *
 * <pre>{@code
 * try (var scope = MemoryScope.open()) {
 *   Tensor loss = model.forward(x).sub(y).square().mean();
 *   loss.backward();
 *   return scope.keep(loss.detach());   // survives: moved to the enclosing scope (or to nobody)
 * }                                      // everything else made inside is closed here
 * }</pre>
 *
 * <p>Scopes nest; a tensor belongs to the innermost scope open on its thread when it was created.
 * {@link #keep(Tensor)} moves a tensor to the enclosing scope (at the outermost level, to no scope:
 * the caller then owns it). {@link Tensor#persist()} takes a tensor out of every scope (parameters,
 * gradients, optimizer state). A scope belongs to the thread that opened it and must be closed
 * there, innermost first (try-with-resources does both).
 */
public final class MemoryScope implements AutoCloseable {
  private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

  private final MemoryScope parent;
  private final Thread owner;
  private final Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
  private boolean closed;

  private MemoryScope(MemoryScope parent) {
    this.parent = parent;
    this.owner = Thread.currentThread();
  }

  /** Opens a scope nested in the current one. */
  public static MemoryScope open() {
    MemoryScope s = new MemoryScope(CURRENT.get());
    CURRENT.set(s);
    return s;
  }

  /** The innermost open scope of this thread, or null. */
  public static MemoryScope current() {
    return CURRENT.get();
  }

  /** Registers a newly created tensor with the current scope; called by Tensor. */
  public static void register(Tensor t) {
    MemoryScope s = CURRENT.get();
    if (s != null) {
      s.owned.add(t);
    }
  }

  /** Removes {@code t} from every open scope of this thread; called by {@link Tensor#persist()}. */
  public static void forget(Tensor t) {
    for (MemoryScope s = CURRENT.get(); s != null; s = s.parent) {
      if (s.owned.remove(t)) {
        return;
      }
    }
  }

  /** Moves {@code t} out of this scope into the enclosing one (or none) and returns it. */
  public <T extends Tensor> T keep(T t) {
    if (owned.remove(t) && parent != null) {
      parent.owned.add(t);
    }
    return t;
  }

  /** Number of open tensors this scope will close (for statistics and tests). */
  public int ownedCount() {
    int n = 0;
    for (Tensor t : owned) {
      if (!t.isClosed()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("a MemoryScope must be closed on the thread that opened it");
    }
    if (CURRENT.get() != this) {
      throw new IllegalStateException(
          "MemoryScope closed out of order: close inner scopes first (use try-with-resources)");
    }
    closed = true;
    CURRENT.set(parent);
    for (Tensor t : new ArrayList<>(owned)) {
      t.close();
    }
    owned.clear();
  }
}
