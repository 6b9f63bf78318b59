package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;

/**
 * The GEMM driver shared by both precisions: argument checks, the degenerate cases, and the split
 * of {@code C} into independent {@code mc x nc} tiles (per batch entry) spread over the thread
 * pool. Each tile is computed start to finish by one thread (packing, micro-kernel, store), so
 * results do not depend on the thread count.
 *
 * <p>FLOAT32 goes to {@link Sgemm}, which has its own blocking and thread split (the speed path);
 * FLOAT64 (gradient checks) runs through the tiles here with {@link Dgemm}'s packing and
 * micro-kernel.
 */
final class Gemm {
  /**
   * Rows of C per tile, rounded down to the micro-kernel's MR (a multiple of 6 and 12; 140 rows for
   * AVX2's five-row float64 kernel); the packed A block sits in L2.
   */
  static final int MC = 144;

  /** Depth of one packed block: a KC x NR panel of B stays in L1 across the rows of a tile. */
  static final int KC = 256;

  /** Columns of C per tile: the packed KC x NC block of B sits in L2. */
  static final int NC = 512;

  private Gemm() {}

  /** Computes one tile; owns its packing buffers, so one worker per thread at a time. */
  interface TileWorker {
    void tile(int batchIndex, int i0, int i1, int j0, int j1);
  }

  /** Creates workers for one GEMM call (a precision's packing and micro-kernel). */
  interface Kernel {
    /** Rows of the micro-kernel; tiles are rounded to it. */
    int mr();

    /** Columns of the micro-kernel; tiles are rounded to it. */
    int nr();

    TileWorker newWorker(int mc, int nc);
  }

  /** See {@link io.myelin.backend.Backend#gemm}. */
  static void gemm(
      CpuThreads threads,
      SgemmScratch.Pool scratch,
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      CpuStorage a,
      GemmOperand ao,
      CpuStorage b,
      GemmOperand bo,
      double beta,
      CpuStorage c,
      GemmOperand co) {
    // Arguments arrive checked (io.myelin.backend.BackendArguments#gemm): sizes, one floating
    // dtype, operands inside their storages, C untransposed with non-overlapping batch entries.
    DType dt = c.dtype();
    if (batch == 0 || m == 0 || n == 0) {
      return;
    }
    if (k == 0 || alpha == 0) {
      // No product to add (BLAS does not read A or B when alpha is 0): C = beta * C.
      scaleC(batch, m, n, beta, c, co);
      return;
    }
    if (dt == DType.FLOAT32) {
      Sgemm.gemm(
          threads,
          scratch,
          batch,
          m,
          n,
          k,
          (float) alpha,
          a.floats(),
          ao,
          b.floats(),
          bo,
          (float) beta,
          c.floats(),
          co);
      return;
    }
    Kernel kernel = new Dgemm(a.doubles(), ao, b.doubles(), bo, c.doubles(), co, k, alpha, beta);
    int mc = Math.min(MC - MC % kernel.mr(), roundUp(m, kernel.mr()));
    int nc = Math.min(NC, roundUp(n, kernel.nr()));
    // Large products with few tiles would leave threads idle: narrow the tiles until each
    // thread has a few, but never below one micro-kernel.
    long flops = (long) batch * m * n * k;
    while (flops > CpuThreads.MIN_WORK_PER_THREAD * threads.threads()
        && tiles(batch, m, n, mc, nc) < 3L * threads.threads()) {
      if (nc > 4 * kernel.nr()) {
        nc = roundUp(nc / 2, kernel.nr());
      } else if (mc > 2 * kernel.mr()) {
        mc = roundUp(mc / 2, kernel.mr());
      } else {
        break;
      }
    }
    int tilesM = (m + mc - 1) / mc;
    int tilesN = (n + nc - 1) / nc;
    int perBatch = tilesM * tilesN;
    final int fmc = mc;
    final int fnc = nc;
    threads.parallelFor(
        batch * perBatch,
        (long) mc * nc * k,
        (t0, t1) -> {
          TileWorker w = kernel.newWorker(fmc, fnc);
          for (int t = t0; t < t1; t++) {
            int bi = t / perBatch;
            int r = t % perBatch;
            // Tiles of one batch entry run along N first so neighbours share packed A rows.
            int i0 = (r / tilesN) * fmc;
            int j0 = (r % tilesN) * fnc;
            w.tile(bi, i0, Math.min(m, i0 + fmc), j0, Math.min(n, j0 + fnc));
          }
        });
  }

  private static long tiles(int batch, int m, int n, int mc, int nc) {
    return (long) batch * ((m + mc - 1) / mc) * ((n + nc - 1) / nc);
  }

  static int roundUp(int x, int multiple) {
    return (x + multiple - 1) / multiple * multiple;
  }

  /** C = beta * C, writing zeros without reading C when beta is 0. */
  private static void scaleC(int batch, int m, int n, double beta, CpuStorage c, GemmOperand co) {
    for (int bi = 0; bi < batch; bi++) {
      for (int i = 0; i < m; i++) {
        int row = co.offset() + bi * co.batchStride() + i * co.ld();
        if (c.dtype() == DType.FLOAT32) {
          float[] cf = c.floats();
          float fb = (float) beta;
          for (int j = 0; j < n; j++) {
            cf[row + j] = beta == 0 ? 0f : fb * cf[row + j];
          }
        } else {
          double[] cd = c.doubles();
          for (int j = 0; j < n; j++) {
            cd[row + j] = beta == 0 ? 0.0 : beta * cd[row + j];
          }
        }
      }
    }
  }
}
