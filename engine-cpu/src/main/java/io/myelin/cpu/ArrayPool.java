package io.myelin.cpu;

import io.myelin.DType;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU backend's free arrays, by dtype and exact length: a freed storage's array goes back here
 * and the next allocation of that size takes it, so a training loop, which allocates the same sizes
 * every step, takes no new array from the heap after its first step (the GC then has little to do:
 * measured in bench/RESULTS.md). Arrays are reused as they are: {@link
 * io.myelin.backend.Backend#allocate} promises no contents.
 *
 * <p>The pool holds at most {@code limitBytes}; arrays freed above it are left to the GC. With
 * {@code poison} (the {@code myelin.cpu.poison} system property, on in the test suite) every array
 * handed out, new or reused, is filled with NaN (int32: {@code Integer.MIN_VALUE}), so a kernel
 * that reads an output it has not written fails its tests instead of reading zeros.
 *
 * <p>Thread-safe: each size has its own lock; the byte count is atomic.
 */
final class ArrayPool {
  private final long limitBytes;
  private final boolean poison;
  private final ConcurrentHashMap<Long, ArrayDeque<Object>> free = new ConcurrentHashMap<>();
  private final AtomicLong pooledBytes = new AtomicLong();

  ArrayPool(long limitBytes, boolean poison) {
    this.limitBytes = limitBytes;
    this.poison = poison;
  }

  /** A pool of a quarter of the maximum heap; poisoning from {@code -Dmyelin.cpu.poison=true}. */
  static ArrayPool forThisJvm() {
    return new ArrayPool(
        Runtime.getRuntime().maxMemory() / 4, Boolean.getBoolean("myelin.cpu.poison"));
  }

  /** A free array of {@code length} elements of {@code dtype}, or null when none is pooled. */
  Object take(DType dtype, int length) {
    ArrayDeque<Object> q = free.get(key(dtype, length));
    if (q == null) {
      return null;
    }
    Object a;
    synchronized (q) {
      a = q.pollFirst();
    }
    if (a != null) {
      pooledBytes.addAndGet(-bytes(dtype, length));
      poison(a);
    }
    return a;
  }

  /** Keeps {@code array} for reuse unless the pool is full. */
  void give(DType dtype, Object array, int length) {
    if (length == 0) {
      return;
    }
    long b = bytes(dtype, length);
    if (pooledBytes.addAndGet(b) > limitBytes) {
      pooledBytes.addAndGet(-b);
      return;
    }
    ArrayDeque<Object> q = free.computeIfAbsent(key(dtype, length), k -> new ArrayDeque<>());
    synchronized (q) {
      q.addFirst(array); // last in, first out: the most recently used array is the warmest
    }
  }

  /** Bytes held for reuse. */
  long pooledBytes() {
    return pooledBytes.get();
  }

  /** Fills a new or reused array with NaN (int32: MIN_VALUE) when poisoning is on. */
  void poison(Object a) {
    if (!poison) {
      return;
    }
    switch (a) {
      case float[] f -> Arrays.fill(f, Float.NaN);
      case double[] d -> Arrays.fill(d, Double.NaN);
      case int[] i -> Arrays.fill(i, Integer.MIN_VALUE);
      default -> throw new IllegalArgumentException("not a storage array: " + a.getClass());
    }
  }

  private static long key(DType dtype, int length) {
    return ((long) dtype.ordinal() << 32) | length;
  }

  private static long bytes(DType dtype, int length) {
    return (long) length * dtype.byteSize();
  }
}
