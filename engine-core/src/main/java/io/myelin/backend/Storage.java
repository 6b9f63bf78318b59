package io.myelin.backend;

import io.myelin.DType;
import io.myelin.Device;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A block of memory on one device holding {@link #length()} elements of one {@link DType}.
 *
 * <p>Storage is reference counted: it is born with one reference; every tensor view over it takes
 * one more ({@link #retain()}) and gives it back on close ({@link #release()}). When the count
 * reaches zero the backend's {@link #free()} returns the memory (to a pool, a caching allocator or
 * the driver). Backends subclass this and add their handle (a Java array, a device pointer).
 * Thread-safe: the count is atomic.
 */
public abstract class Storage {
  private final Backend owner;

  /** The checked view of {@link #owner} that {@link #backend()} hands out. */
  private final Backend backend;

  private final DType dtype;
  private final int length;
  private final AtomicInteger refs = new AtomicInteger(1);

  protected Storage(Backend backend, DType dtype, int length) {
    if (backend instanceof CheckedBackend) {
      throw new IllegalArgumentException(
          "a storage is created by the backend itself, not its " + "checked view");
    }
    if (length < 0) {
      throw new IllegalArgumentException("negative storage length " + length);
    }
    this.owner = backend;
    this.backend = CheckedBackend.of(backend);
    this.dtype = dtype;
    this.length = length;
  }

  /**
   * The backend that owns this memory (and runs every op on it), as callers see it: its arguments
   * are checked ({@link CheckedBackend}).
   */
  public final Backend backend() {
    return backend;
  }

  /**
   * The backend that allocated this storage, unchecked: for the backend's own storage class (and
   * the checks, which compare it with the backend a call goes to).
   */
  protected final Backend owner() {
    return owner;
  }

  public final Device device() {
    return backend.device();
  }

  public final DType dtype() {
    return dtype;
  }

  /** Capacity in elements. */
  public final int length() {
    return length;
  }

  public final long byteSize() {
    return (long) length * dtype.byteSize();
  }

  /** Takes one more reference. @throws IllegalStateException if already freed */
  public final void retain() {
    while (true) {
      int r = refs.get();
      if (r <= 0) {
        throw new IllegalStateException("storage already freed");
      }
      if (refs.compareAndSet(r, r + 1)) {
        return;
      }
    }
  }

  /** Gives one reference back; the last one frees the memory. Extra calls are ignored. */
  public final void release() {
    while (true) {
      int r = refs.get();
      if (r <= 0) {
        return;
      }
      if (refs.compareAndSet(r, r - 1)) {
        if (r == 1) {
          free();
        }
        return;
      }
    }
  }

  /** True once the last reference was released. */
  public final boolean isFreed() {
    return refs.get() <= 0;
  }

  /** Current number of references (for tests and statistics). */
  public final int refCount() {
    return Math.max(0, refs.get());
  }

  /** Returns the memory to the backend. Called exactly once, by the last {@link #release()}. */
  protected abstract void free();
}
