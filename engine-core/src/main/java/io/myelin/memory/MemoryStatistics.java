package io.myelin.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Process-wide tensor counters: tensors alive (created and not yet closed or collected), and how
 * many were released by the Cleaner safety net because nobody closed them. Device memory figures
 * come from each backend's {@link io.myelin.backend.Backend#memoryStats()}.
 */
public final class MemoryStatistics {
  private static final AtomicLong LIVE = new AtomicLong();
  private static final AtomicLong CREATED = new AtomicLong();
  private static final AtomicLong CLEANER_RELEASED = new AtomicLong();

  private MemoryStatistics() {}

  /** Tensors created and not yet closed or collected. */
  public static long liveTensors() {
    return LIVE.get();
  }

  /** Tensors created since start. */
  public static long createdTensors() {
    return CREATED.get();
  }

  /** Tensors that were never closed and whose storage the Cleaner gave back. */
  public static long cleanerReleased() {
    return CLEANER_RELEASED.get();
  }

  /** Called by Tensor on creation. */
  public static void onCreate() {
    LIVE.incrementAndGet();
    CREATED.incrementAndGet();
  }

  /** Called by Tensor when its storage reference is given back; {@code byCleaner} if unclosed. */
  public static void onRelease(boolean byCleaner) {
    LIVE.decrementAndGet();
    if (byCleaner) {
      CLEANER_RELEASED.incrementAndGet();
    }
  }
}
