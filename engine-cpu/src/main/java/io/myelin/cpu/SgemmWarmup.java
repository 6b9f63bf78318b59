package io.myelin.cpu;

import io.myelin.backend.GemmOperand;

/**
 * Hands small SGEMMs from the scalar path ({@link SgemmScalar}) to the vector path once the latter
 * is compiled.
 *
 * <p>Why: the scalar kernel wins while the Vector API code still runs interpreted or in C1 (the
 * first hundred steps of a small model), but once C2 has compiled the vector micro-kernels they are
 * about twice as fast on the same calls (bench {@code SmallGemmPaths}: 224 against 100 us for the
 * eight GEMMs of one Pima step). C2 compiles a method only after it has run many times, and a model
 * whose GEMMs all take the scalar path would never run the vector one. So the first small GEMM
 * starts one daemon thread that runs the vector path on small shapes of both tile kinds (narrow and
 * wide, every transpose) until its time per call stops improving; from then on {@link #warm()} is
 * true and small GEMMs take the vector path.
 *
 * <p>Results do not change: both paths give the same bits for every shape ({@code
 * SgemmScalarTest}), so when the switch happens - which depends on the JIT and the machine's load -
 * is invisible in the numbers.
 */
final class SgemmWarmup {
  /** Calls per round; a round's time is what the thread watches. */
  private static final int ROUND = 64;

  /**
   * Rounds run in any case: ~10,000 calls, each running the micro-kernels many times - well past
   * C2's invocation thresholds, so a plateau of the interpreted or C1 code is not taken for the
   * end.
   */
  private static final int MIN_ROUNDS = 150;

  /** Rounds without a new best time (by 10%) before the vector path counts as compiled. */
  private static final int PATIENCE = 8;

  /** A bound on the thread's work, so a machine where timing never settles still switches. */
  private static final int MAX_ROUNDS = 2_000;

  /**
   * {@code -Dmyelin.cpu.sgemmWarmup=false} keeps small SGEMMs on the scalar path for good (A/B
   * benchmarks: bench/scripts/pima_vs_torch.sh).
   */
  private static final boolean ENABLED =
      Boolean.parseBoolean(System.getProperty("myelin.cpu.sgemmWarmup", "true"));

  private static final Object LOCK = new Object();
  private static volatile boolean warm = !ScalarPath.GEMM;
  private static boolean started;

  private SgemmWarmup() {}

  /** Whether small SGEMMs should take the vector path; the first call starts the warm-up thread. */
  static boolean warm() {
    if (warm) {
      return true;
    }
    if (!ENABLED) {
      return false;
    }
    synchronized (LOCK) {
      if (!started) {
        started = true;
        Thread.ofPlatform().daemon().name("myelin-sgemm-warmup").start(SgemmWarmup::run);
      }
    }
    return false;
  }

  /** Waits up to {@code millis} for the switch (tests); returns whether it happened. */
  static boolean awaitWarm(long millis) throws InterruptedException {
    warm();
    long end = System.nanoTime() + millis * 1_000_000L;
    while (!warm && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    return warm;
  }

  private static void run() {
    try (CpuThreads threads = new CpuThreads(1)) {
      SgemmScratch.Pool pool = new SgemmScratch.Pool();
      // The shapes of a small MLP's forward and backward GEMMs (above Sgemm.SMALL, within
      // SgemmScalar.suits): n at most the vector width (narrow tiles) and above it (wide tiles).
      int[][] shapes = {{256, 20, 8}, {256, 2, 20}, {256, 20, 20}, {20, 20, 256}, {8, 20, 256}};
      float[] a = new float[256 * 20];
      float[] b = new float[256 * 20];
      float[] c = new float[256 * 20];
      for (int i = 0; i < a.length; i++) {
        a[i] = (i % 13) * 0.25f - 1.5f;
        b[i] = (i % 7) * 0.5f - 1f;
      }
      long best = Long.MAX_VALUE;
      int sinceBest = 0;
      for (int round = 0;
          round < MAX_ROUNDS && (round < MIN_ROUNDS || sinceBest < PATIENCE);
          round++) {
        long t0 = System.nanoTime();
        for (int call = 0; call < ROUND; call++) {
          int[] s = shapes[call % shapes.length];
          boolean ta = (call & 1) != 0;
          boolean tb = (call & 2) != 0;
          int m = s[0];
          int n = s[1];
          int k = s[2];
          GemmOperand ao = new GemmOperand(null, 0, ta ? m : k, 0, ta);
          GemmOperand bo = new GemmOperand(null, 0, tb ? k : n, 0, tb);
          GemmOperand co = new GemmOperand(null, 0, n, 0, false);
          Sgemm.gemm(threads, pool, 1, m, n, k, 1f, a, ao, b, bo, 0f, c, co, Sgemm.Path.VECTOR);
        }
        long t = System.nanoTime() - t0;
        if (t < best * 0.9) {
          best = t;
          sinceBest = 0;
        } else {
          sinceBest++;
        }
      }
    } finally {
      warm = true;
    }
  }
}
