package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;

/**
 * A warm-up of the packed Vector API SGEMM on a background thread: one daemon thread runs the
 * packed path on medium shapes (every transpose, wide and narrow tiles) a fixed number of times, so
 * that C2 compiles the micro-kernels and the packing while the caller is still loading its data (on
 * a free core) instead of during the first epoch, where they otherwise run as the Vector API's
 * allocating Java fallbacks (the first 128 x 784 x 512 product of a Fashion-MNIST step: ~300 ms).
 *
 * <p>Started by {@link CpuBackend#expectMatmul} when the model's products are large enough for the
 * packed path (the command line gives that hint before it reads the data), never for a small model:
 * there the thread's CPU time and C2's compiles of kernels the model never runs are pure cost
 * (bench/RESULTS.md, 2026-12-07: a warm-up thread for Pima was measured and reverted). {@code
 * -Dmyelin.cpu.warmVector=true} starts it with every CPU backend, {@code =false} never. The thread
 * works on its own arrays, so it changes no result.
 */
final class VectorWarmup {
  /** When the warm-up runs: {@code myelin.cpu.warmVector} = auto (default), true or false. */
  enum Mode {
    AUTO,
    ALWAYS,
    NEVER
  }

  static final Mode MODE =
      switch (System.getProperty("myelin.cpu.warmVector", "auto")) {
        case "true" -> Mode.ALWAYS;
        case "false" -> Mode.NEVER;
        default -> Mode.AUTO;
      };

  /** Batches at least this tall count: below 16 rows a training run is unusual on a CPU. */
  static final long BATCH_ROWS = 16;

  /** Rounds over the shapes: enough calls for C2's thresholds, bounded so the thread ends. */
  private static final int ROUNDS = 40;

  private static boolean started;

  private VectorWarmup() {}

  /** Whether a model whose largest product has {@code inTimesOut} weights gains from the thread. */
  static boolean pays(long inTimesOut) {
    return MODE != Mode.NEVER && inTimesOut > SgemmScalar.MAX_MACS / BATCH_ROWS;
  }

  /**
   * Starts the thread once per JVM. It runs its GEMMs with {@code pool}, the backend's scratch
   * pool, so that its transposed operands also drive the pool's switch to the register transposes
   * ({@link SgemmScratch.Pool#vectorTranspose}) off the training thread.
   */
  static synchronized void start(SgemmScratch.Pool pool) {
    if (MODE == Mode.NEVER || started) {
      return;
    }
    started = true;
    Thread.ofPlatform().daemon().name("myelin-vector-warmup").start(() -> run(pool));
  }

  private static void run(SgemmScratch.Pool pool) {
    try (CpuThreads threads = new CpuThreads(1);
        CpuBackend elementwise = new CpuBackend(1)) {
      // m, n, k: wide tiles (n > vector width) and narrow ones (n = 10, a logits layer), above
      // SgemmScalar's size so that the packed path runs. Two more for branches a training step
      // takes and the first three never do: a product deeper than Sgemm.KC (a later depth block
      // added into C) and one wider than Sgemm.NC on one thread (A packed once for several column
      // blocks). Without them a Fashion-MNIST step's first 784-deep product hit never-taken
      // branches in Sgemm.tile, update and store, and C2 threw their code away during the first
      // steps (bench/RESULTS.md, round 5). Row counts that are no multiple of the micro-kernel's
      // (5 or 12) give partial row blocks.
      int[][] shapes = {
        {128, 256, 256}, {128, 10, 256}, {256, 128, 128}, {64, 64, 800}, {32, 640, 96}
      };
      int size = 0;
      for (int[] s : shapes) {
        size = Math.max(size, Math.max(s[0] * s[2], Math.max(s[2] * s[1], s[0] * s[1])));
      }
      float[] a = new float[size];
      float[] b = new float[size];
      float[] c = new float[size];
      for (int i = 0; i < a.length; i++) {
        a[i] = (i % 13) * 0.25f - 1.5f;
        b[i] = (i % 7) * 0.5f - 1f;
      }
      for (int round = 0; round < ROUNDS; round++) {
        for (int[] s : shapes) {
          for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            int m = s[0];
            int n = s[1];
            int k = s[2];
            GemmOperand ao = new GemmOperand(null, 0, ta ? m : k, 0, ta);
            GemmOperand bo = new GemmOperand(null, 0, tb ? k : n, 0, tb);
            GemmOperand co = new GemmOperand(null, 0, n, 0, false);
            // As a training step calls it (scalar path allowed: these shapes are above its size).
            Sgemm.gemm(threads, pool, 1, m, n, k, 1f, a, ao, b, bo, 0f, c, co, true);
          }
        }
        elementwise(elementwise, a, b, c);
      }
    }
  }

  /**
   * One round of the element-wise kernels an MLP step runs on large tensors, vector paths (above
   * {@link ScalarPath#ELEMENTS}): ReLU and its backward, a bias added to every row, the bias
   * gradient's column sums, and Adam's update, the coldest of them (the first epoch's first 0.3 s
   * were mostly Adam in its Java fallbacks; bench/RESULTS.md round 4). On a private one-thread
   * backend and the thread's own arrays: nothing the caller sees.
   */
  private static void elementwise(CpuBackend be, float[] a, float[] b, float[] c) {
    int rows = 128;
    int cols = a.length / rows;
    int n = rows * cols;
    Layout matrix = Layout.contiguous(rows, cols);
    Layout everyRow = new Layout(new int[] {rows, cols}, new int[] {0, 1}, 0);
    Storage x = be.allocate(DType.FLOAT32, n);
    Storage y = be.allocate(DType.FLOAT32, n);
    Storage g = be.allocate(DType.FLOAT32, n);
    Storage bias = be.allocate(DType.FLOAT32, cols);
    Storage sums = be.allocate(DType.FLOAT32, cols);
    be.copyFromHost(a, 0, x, 0, n);
    be.copyFromHost(b, 0, g, 0, n);
    be.copyFromHost(b, 0, bias, 0, cols);
    be.binary(BinaryOp.ADD, x, matrix, bias, everyRow, y, matrix);
    be.unary(UnaryOp.RELU, 0, 0, y, matrix, y, matrix);
    be.unaryBackward(UnaryOp.RELU, 0, 0, x, 0, y, 0, g, 0, y, 0, n);
    be.reduce(ReduceOp.SUM, g, 0, 1, rows, cols, sums, 0);
    for (Storage s : new Storage[] {x, y, g, bias, sums}) {
      s.release();
    }
    // Adam on its own arrays: parameters c (a copy of a), gradients b, fresh zero moments.
    float[] m = new float[n];
    float[] v = new float[n];
    System.arraycopy(a, 0, c, 0, n);
    OptimizerVectors.adam(
        1f, 1f, 0f, 0.9f, 0.1f, 0.999f, 0.001f, 1e-3f, 1f, 1e-8f, c, 0, b, 0, m, v, 0, n);
  }
}
