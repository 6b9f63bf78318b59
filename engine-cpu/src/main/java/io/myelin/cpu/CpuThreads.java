package io.myelin.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU backend's worker threads and its one scheduling primitive, {@link #parallelFor}.
 *
 * <p>The pool has {@code threads - 1} daemon workers: the calling thread always takes part, so a
 * pool of one thread is plain sequential code. Work below {@link #MIN_WORK_PER_THREAD} elementary
 * operations per participant stays on the calling thread, because waking a worker costs
 * microseconds. A call made from inside a split (on a worker, or on the calling thread while it
 * runs its share) runs sequentially: no nested splitting, no deadlock.
 *
 * <p>An idle worker polls for the next split for {@link #SPIN_NANOS} before it parks: a parked
 * thread takes tens of microseconds to wake on a virtual machine, as long as a whole two-thread
 * product of an MLP layer's size, and back-to-back splits (a training step's GEMMs and element-wise
 * ops) then find the workers awake. One split runs at a time: a caller that finds the workers taken
 * by another caller's split runs its own sequentially (the same result).
 *
 * <p>Results never depend on the split: callers partition over outputs, and every output is
 * computed by one thread in a fixed order, so N threads give the same bits as one.
 *
 * <p>Thread-safe: several threads may call {@link #parallelFor} at once.
 */
final class CpuThreads implements AutoCloseable {
  /** Below this many elementary operations per participant, splitting costs more than it saves. */
  static final long MIN_WORK_PER_THREAD = 1L << 15;

  /** How long an idle worker polls for the next split before it parks. */
  static final long SPIN_NANOS = 200_000;

  /** A body run over the item range {@code [from, to)}. */
  @FunctionalInterface
  interface Range {
    void run(int from, int to);
  }

  private final int threads;
  private final Worker[] workers;

  /** The split the workers join, or null: installed by one caller at a time. */
  private final AtomicReference<Split> current = new AtomicReference<>();

  private volatile boolean closed;

  /** Set while the calling thread runs its share of a split, so its nested calls stay inline. */
  private final ThreadLocal<boolean[]> splitting = ThreadLocal.withInitial(() -> new boolean[1]);

  CpuThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
    }
    this.threads = threads;
    this.workers = new Worker[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(this, "myelin-cpu-" + (i + 1));
      workers[i].setDaemon(true);
      workers[i].start();
    }
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
    Split split = new Split(n, (int) Math.min(n, (long) parts * 4), parts - 1, body);
    if (!current.compareAndSet(null, split)) {
      body.run(0, n); // another caller's split holds the workers
      return;
    }
    try {
      // Publishing the split (above) before reading each worker's flag, and each worker setting
      // its flag before reading the split again, means no worker parks without seeing it.
      for (int i = 0, woken = 0; i < workers.length && woken < parts - 1; i++) {
        if (workers[i].parked) {
          LockSupport.unpark(workers[i]);
          woken++;
        }
      }
      inside[0] = true;
      try {
        split.participate();
      } finally {
        inside[0] = false;
      }
      // Wait for the pieces, not for the workers: a worker still waking up when the caller has
      // taken every piece finds none and returns, and nobody waits for its wake-up. No piece
      // writes after this loop ends.
      for (int spins = 0; split.done.get() < split.pieces; spins++) {
        if (spins < 1000) {
          Thread.onSpinWait();
        } else {
          Thread.yield(); // a descheduled worker may need this core to finish its piece
        }
      }
    } finally {
      current.set(null);
    }
    Throwable t = split.failure.get();
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
    closed = true;
    for (Worker w : workers) {
      LockSupport.unpark(w);
    }
  }

  /** One call's pieces, claimed by the caller and by up to {@code seats} workers. */
  private static final class Split {
    final int n;
    final int pieces;
    final Range body;
    final AtomicInteger seats;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    Split(int n, int pieces, int seats, Range body) {
      this.n = n;
      this.pieces = pieces;
      this.body = body;
      this.seats = new AtomicInteger(seats);
    }

    void participate() {
      for (int p; (p = next.getAndIncrement()) < pieces; ) {
        try {
          body.run((int) ((long) n * p / pieces), (int) ((long) n * (p + 1) / pieces));
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          done.incrementAndGet();
        }
      }
    }
  }

  /** A pool thread: joins each new split, polls a while when idle, then parks. */
  private static final class Worker extends Thread {
    final CpuThreads pool;

    /** Set before the worker parks (and re-checks for a split): callers unpark only these. */
    volatile boolean parked;

    Worker(CpuThreads pool, String name) {
      super(name);
      this.pool = pool;
    }

    @Override
    public void run() {
      Split last = null;
      long idleSince = System.nanoTime();
      while (!pool.closed) {
        Split s = pool.current.get();
        if (s != null && s != last) {
          last = s;
          if (s.seats.getAndDecrement() > 0) {
            s.participate();
          }
          idleSince = System.nanoTime();
        } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          parked = true;
          Split again = pool.current.get();
          if ((again == null || again == last) && !pool.closed) {
            LockSupport.park(this);
          }
          parked = false;
          idleSince = System.nanoTime();
        }
      }
    }
  }
}
