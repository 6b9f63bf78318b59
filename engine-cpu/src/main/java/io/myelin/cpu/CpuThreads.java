package io.myelin.cpu;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The CPU backend's worker threads and its one scheduling primitive, {@link #parallelFor}.
 *
 * <p>The pool has {@code threads - 1} daemon workers: the calling thread always takes part, so a
 * pool of one thread is plain sequential code. Work below {@link #MIN_WORK_PER_THREAD} elementary
 * operations per participant stays on the calling thread, because waking a worker costs
 * microseconds. A call made from inside a split (on a worker, or on the calling thread while it
 * runs its share) runs sequentially: no nested splitting, no deadlock.
 *
 * <p>Results never depend on the split: callers partition over outputs, and every output is
 * computed by one thread in a fixed order, so N threads give the same bits as one.
 *
 * <p>Thread-safe: several threads may call {@link #parallelFor} at once.
 */
final class CpuThreads implements AutoCloseable {
  /** Below this many elementary operations per participant, splitting costs more than it saves. */
  static final long MIN_WORK_PER_THREAD = 1L << 15;

  /** A body run over the item range {@code [from, to)}. */
  @FunctionalInterface
  interface Range {
    void run(int from, int to);
  }

  private final int threads;
  private final ExecutorService workers;

  /** Set while the calling thread runs its share of a split, so its nested calls stay inline. */
  private final ThreadLocal<boolean[]> splitting = ThreadLocal.withInitial(() -> new boolean[1]);

  CpuThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
    }
    this.threads = threads;
    AtomicInteger count = new AtomicInteger();
    this.workers =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1,
                r -> {
                  Thread t = new Worker(this, r, "myelin-cpu-" + count.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
  }

  /** Threads from {@code MYELIN_NUM_THREADS}, else the number of available processors. */
  static int fromEnvironment() {
    String env = System.getenv("MYELIN_NUM_THREADS");
    int cores = Runtime.getRuntime().availableProcessors();
    if (env == null || env.isBlank()) {
      return cores;
    }
    try {
      int n = Integer.parseInt(env.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException(
        "MYELIN_NUM_THREADS must be a positive integer, got '" + env + "'");
  }

  int threads() {
    return threads;
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into ranges, on up to {@link #threads()} threads.
   * Ranges are claimed dynamically, so uneven items (edge tiles) balance out.
   *
   * @param workPerItem rough count of elementary operations per item, to decide whether to split
   */
  void parallelFor(int n, long workPerItem, Range body) {
    if (n <= 0) {
      return;
    }
    long total = (long) n * Math.max(1, workPerItem);
    int parts = (int) Math.min(Math.min(threads, n), Math.max(1, total / MIN_WORK_PER_THREAD));
    if (parts <= 1 || Thread.currentThread() instanceof Worker w && w.pool == this) {
      body.run(0, n);
      return;
    }
    boolean[] inside = splitting.get();
    if (inside[0]) {
      body.run(0, n);
      return;
    }
    // A few pieces per participant lets a fast thread take over a slow one's remainder.
    int pieces = (int) Math.min(n, (long) parts * 4);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable participant =
        () -> {
          for (int p; (p = next.getAndIncrement()) < pieces; ) {
            try {
              body.run((int) ((long) n * p / pieces), (int) ((long) n * (p + 1) / pieces));
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            } finally {
              done.incrementAndGet();
            }
          }
        };
    for (int i = 1; i < parts; i++) {
      workers.execute(participant);
    }
    inside[0] = true;
    try {
      participant.run();
    } finally {
      inside[0] = false;
    }
    // Wait for the pieces, not for the workers: a worker still waking up when the caller has
    // taken every piece finds none and returns, and nobody waits for its wake-up (tens of
    // microseconds, milliseconds on a loaded machine). No piece writes after this loop ends.
    for (int spins = 0; done.get() < pieces; spins++) {
      if (spins < 1000) {
        Thread.onSpinWait();
      } else {
        Thread.yield(); // a descheduled worker may need this core to finish its piece
      }
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    if (t != null) {
      throw new IllegalStateException("parallel cpu work failed", t);
    }
  }

  @Override
  public void close() {
    if (workers != null) {
      workers.shutdownNow();
    }
  }

  /** A pool thread; lets {@link #parallelFor} recognise nested calls. */
  private static final class Worker extends Thread {
    final CpuThreads pool;

    Worker(CpuThreads pool, Runnable r, String name) {
      super(r, name);
      this.pool = pool;
    }
  }
}
