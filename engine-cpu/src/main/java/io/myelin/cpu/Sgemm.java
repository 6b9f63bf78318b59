package io.myelin.cpu;

import static io.myelin.cpu.SgemmKernels.MR;
import static io.myelin.cpu.SgemmKernels.NR;
import static io.myelin.cpu.SgemmKernels.S;
import static io.myelin.cpu.SgemmKernels.V;

import io.myelin.backend.GemmOperand;
import jdk.incubator.vector.FloatVector;

/**
 * Single-precision GEMM (the driver {@link Gemm} hands every FLOAT32 call here).
 *
 * <p>Blocking, GotoBLAS style with the roles turned for row-major C: a depth block of op(B), {@link
 * #KC} x up to {@link #NC} columns, is packed into two-vector panels that stay in L2; for each
 * group of {@code MR} rows an A micro-panel is packed (it stays in L1) and the micro-kernel ({@link
 * SgemmKernels}) runs across every B panel, writing whole tiles into C itself (adding later depth
 * blocks to it). Transposes are absorbed by the packing ({@link SgemmPack}); a row-major B of a
 * short one-block product is read in place ({@link #DIRECT_B_ROWS}). Narrow products ({@code n <=
 * one vector}, the logits layer) use a one-vector kernel that reads A rows unpacked, since each A
 * element is used once; tiny products use a plain loop, and small ones (one thread's worth) the
 * scalar loops of {@link SgemmScalar}, same bits.
 *
 * <p>Threads take tiles of C: columns are split first, one strip per thread (each packs a disjoint
 * part of B; a strip wider than NC packs its A micro-panels once per depth block for all its column
 * blocks), rows when there are not enough columns or when the product is tall enough ({@link
 * #ROW_SPLIT_ROWS} per thread, m >= n / 2) that packing only one's own rows of A pays for packing
 * all of B. Every element of C is summed in the same order whatever the split (depth blocks depend
 * on k only; a tile never changes the arithmetic), so the result is identical on any thread count.
 */
final class Sgemm {
  /**
   * Largest depth of a packed block: the A micro-panel (MR x KC: 19 KiB with AVX-512, 8 with AVX2)
   * stays in L1. 400 rather than 256 makes k = 784 (the MLP's input layer) two blocks of 392
   * instead of four of 196: 128x784x512 +3-4% at two threads, squares and one thread even
   * (bench/RESULTS.md, round 4b).
   */
  static final int KC = 400;

  /**
   * Columns of a packed B block: KC x NC floats (800 KiB) stay in a 2 MiB L2 (at the round-3 KC of
   * 256, in a 1 MiB one).
   */
  static final int NC = 512;

  /** Largest packed A (floats) a tile keeps for all its column blocks (4 MiB: 2048 rows x 512). */
  static final int PACKED_A_MAX = 1 << 20;

  /**
   * A row-major B is read in place, not packed, for products of at most this many rows and depth
   * {@link #DIRECT_B_DEPTH}: each B element then serves at most 11 micro-panels, and the copy into
   * panels cost more than the strided reads (128x256x512: +22% on one thread; with several depth
   * blocks, 128x784x512, it lost 4%: bench/RESULTS.md, round 4). Only with the 12-row kernel: the
   * five-row AVX2 kernel does 5 FMAs per strided B load instead of 12, and in place it ran at two
   * thirds of its packed speed (128x256x512 on Zen 3: 51 against 78 GFLOP/s, round 5).
   */
  static final int DIRECT_B_ROWS = MR == 12 ? 128 : 0;

  /**
   * Largest depth for {@link #DIRECT_B_ROWS}: one depth block of the round-4 KC (256), where the
   * in-place read was measured.
   */
  static final int DIRECT_B_DEPTH = 256;

  /** Rows per participant from which the threads split rows rather than columns. */
  static final int ROW_SPLIT_ROWS = 256;

  /** Products up to this many multiply-adds skip packing altogether. */
  static final long SMALL = 4096;

  /** Below this many multiply-adds waking a second thread costs more than it saves. */
  static final long PARALLEL_MIN = 1L << 19;

  private final float[] a;
  private final GemmOperand ao;
  private final float[] b;
  private final GemmOperand bo;
  private final float[] c;
  private final GemmOperand co;
  private final int m;
  private final int n;
  private final int k;
  private final int kc;
  private final float alpha;
  private final float beta;

  /** Whether {@link SgemmPack#b} may transpose in registers (set once before the tiles run). */
  private boolean vectorTranspose;

  private Sgemm(
      float[] a,
      GemmOperand ao,
      float[] b,
      GemmOperand bo,
      float[] c,
      GemmOperand co,
      int m,
      int n,
      int k,
      float alpha,
      float beta) {
    this.a = a;
    this.ao = ao;
    this.b = b;
    this.bo = bo;
    this.c = c;
    this.co = co;
    this.m = m;
    this.n = n;
    this.k = k;
    // Equal depth blocks (1024 = 3 x 342, not 2 x 400 + 224): a function of k alone.
    this.kc = ceilDiv(k, ceilDiv(k, KC));
    this.alpha = alpha;
    this.beta = beta;
  }

  /** See {@link io.myelin.backend.Backend#gemm}; sizes are positive and checked by the caller. */
  static void gemm(
      CpuThreads threads,
      SgemmScratch.Pool pool,
      int batch,
      int m,
      int n,
      int k,
      float alpha,
      float[] a,
      GemmOperand ao,
      float[] b,
      GemmOperand bo,
      float beta,
      float[] c,
      GemmOperand co) {
    gemm(threads, pool, batch, m, n, k, alpha, a, ao, b, bo, beta, c, co, true);
  }

  /**
   * {@link #gemm}, with the scalar path ({@link SgemmScalar}) allowed or not: tests compare the two
   * paths bit for bit.
   */
  static void gemm(
      CpuThreads threads,
      SgemmScratch.Pool pool,
      int batch,
      int m,
      int n,
      int k,
      float alpha,
      float[] a,
      GemmOperand ao,
      float[] b,
      GemmOperand bo,
      float beta,
      float[] c,
      GemmOperand co,
      boolean scalarAllowed) {
    Sgemm g = new Sgemm(a, ao, b, bo, c, co, m, n, k, alpha, beta);
    if ((long) m * n * k <= SMALL) {
      for (int bi = 0; bi < batch; bi++) {
        g.small(bi);
      }
      return;
    }
    if (scalarAllowed && SgemmScalar.suits(batch, m, n, k)) {
      SgemmScratch s = pool.take();
      try {
        for (int bi = 0; bi < batch; bi++) {
          SgemmScalar.gemm(s, bi, m, n, k, g.kc, alpha, a, ao, b, bo, beta, c, co);
        }
      } finally {
        pool.give(s);
      }
      return;
    }
    // Asked only here, on the packed path: small products never run the dummy transposes.
    g.vectorTranspose = bo.transposed() && pool.vectorTranspose();
    boolean narrow = n <= V;
    int width = narrow ? V : NR;
    long macs = (long) batch * m * n * k;
    int parts = threads.threads() > 1 && macs >= PARALLEL_MIN ? threads.threads() : 1;
    int perEntry = ceilDiv(parts, batch);
    // Column strips first: splitting N adds no B packing. Rows only when N is too narrow. One
    // strip per participant: a wide tile walks its column blocks itself and packs A once per
    // depth block for all of them (tile); the narrow path keeps strips of at most NC.
    int w = roundUp(n, width);
    // A tall enough product splits rows instead: each participant packs only its own rows of A
    // (kept across its column blocks) and all of B, where side-by-side column strips would each
    // pack all of A (two threads: 768^3 +7%, 1024^3 +4%, 512x128x784 +5%, 2048^3 even).
    boolean rowSplit = !narrow && m >= ROW_SPLIT_ROWS * perEntry && 2 * m >= n;
    if (perEntry > 1 && !rowSplit) {
      w = Math.min(w, Math.max(width, roundUp(ceilDiv(n, perEntry), width)));
    }
    if (narrow) {
      w = Math.min(w, NC);
    }
    int stripsN = ceilDiv(n, w);
    int h = roundUp(m, MR);
    if (stripsN < perEntry) {
      int rowsSplit = Math.min(ceilDiv(perEntry, stripsN), ceilDiv(m, MR));
      h = roundUp(ceilDiv(m, rowsSplit), MR);
    }
    int stripsM = ceilDiv(m, h);
    int perBatch = stripsM * stripsN;
    final int fw = w;
    final int fh = h;
    threads.parallelFor(
        batch * perBatch,
        (long) h * w * k,
        (t0, t1) -> {
          SgemmScratch s = pool.take();
          try {
            for (int t = t0; t < t1; t++) {
              int bi = t / perBatch;
              int r = t % perBatch;
              int i0 = (r / stripsN) * fh;
              int j0 = (r % stripsN) * fw;
              if (narrow) {
                g.narrowTile(s, bi, i0, Math.min(m, i0 + fh), j0, Math.min(n, j0 + fw));
              } else {
                g.tile(s, bi, i0, Math.min(m, i0 + fh), j0, Math.min(n, j0 + fw));
              }
            }
          } finally {
            pool.give(s);
          }
        });
  }

  /**
   * C[i0..i1, j0..j1) of batch entry bi through packed panels and the wide kernel. Depth blocks
   * outside, column blocks inside: with more than one column block ({@code j1 - j0 > NC}) the A
   * micro-panels of a depth block are packed once and read in place for each column block, instead
   * of packed again from op(A) per block. Each element of C still takes its depth blocks in
   * increasing order, with the same operations: the same bits as any other split.
   */
  private void tile(SgemmScratch s, int bi, int i0, int i1, int j0, int j1) {
    float[] pa = s.pa();
    float[] pb = s.pb();
    float[] acc = s.acc();
    int ldc = co.ld();
    int cBase = co.offset() + bi * co.batchStride();
    // Bounded: a tall product (many rows on one thread) repacks per column block instead.
    boolean reuseA = j1 - j0 > NC && (long) roundUp(i1 - i0, MR) * kc <= PACKED_A_MAX;
    boolean directB = !bo.transposed() && m <= DIRECT_B_ROWS && k <= DIRECT_B_DEPTH;
    for (int p0 = 0; p0 < k; p0 += kc) {
      int kb = Math.min(kc, k - p0);
      boolean first = p0 == 0;
      int panel = MR * kb;
      float[] packedA = null;
      if (reuseA) {
        packedA = s.packedA(ceilDiv(i1 - i0, MR) * panel);
        for (int ir = i0; ir < i1; ir += MR) {
          SgemmPack.a(
              a, ao, bi, ir, Math.min(MR, i1 - ir), p0, kb, packedA, (ir - i0) / MR * panel);
        }
      }
      for (int jc = j0; jc < j1; jc += NC) {
        int cols = Math.min(NC, j1 - jc);
        // Whole panels of a row-major B read in place (see directB); the partial last one packed.
        int direct = directB ? cols - cols % NR : 0;
        if (direct < cols) {
          SgemmPack.b(b, bo, bi, p0, kb, jc + direct, cols - direct, NR, pb, vectorTranspose);
        }
        int bRow = bo.offset() + bi * bo.batchStride() + p0 * bo.ld() + jc;
        for (int ir = i0; ir < i1; ir += MR) {
          int rows = Math.min(MR, i1 - ir);
          float[] panelA = pa;
          int ai = 0;
          if (reuseA) {
            panelA = packedA;
            ai = (ir - i0) / MR * panel;
          } else {
            SgemmPack.a(a, ao, bi, ir, rows, p0, kb, pa, 0);
          }
          for (int jr = 0; jr < cols; jr += NR) {
            int at = cBase + ir * ldc + jc + jr;
            int w = Math.min(NR, cols - jr);
            float[] panelB = jr < direct ? b : pb;
            int bj = jr < direct ? bRow + jr : (jr - direct) * kb;
            int ldb = jr < direct ? bo.ld() : NR;
            if (rows == MR && w == NR && !(first && beta != 0)) {
              // A whole tile: the kernel writes alpha * sum into C itself, adding it to C after
              // the first depth block (update's operations, so the same bits).
              SgemmKernels.wideInto(
                  kb,
                  panelA,
                  ai,
                  panelB,
                  bj,
                  ldb,
                  first ? SgemmKernels.NEG_ZEROS : c,
                  first ? 0 : at,
                  first ? 0 : ldc,
                  c,
                  at,
                  ldc,
                  alpha);
            } else {
              SgemmKernels.wide(kb, panelA, ai, panelB, bj, ldb, acc);
              update(acc, NR, at, ldc, rows, w, first);
            }
          }
        }
      }
    }
  }

  /** C[i0..i1, j0..j1) with at most one vector of columns: A rows are read in place. */
  private void narrowTile(SgemmScratch s, int bi, int i0, int i1, int j0, int j1) {
    float[] pa = s.pa();
    float[] pb = s.pb();
    float[] acc = s.acc();
    int ldc = co.ld();
    int cBase = co.offset() + bi * co.batchStride();
    int aBase = ao.offset() + bi * ao.batchStride();
    int cols = j1 - j0;
    for (int p0 = 0; p0 < k; p0 += kc) {
      int kb = Math.min(kc, k - p0);
      boolean first = p0 == 0;
      SgemmPack.b(b, bo, bi, p0, kb, j0, cols, V, pb, vectorTranspose);
      for (int ir = i0; ir < i1; ir += MR) {
        int rows = Math.min(MR, i1 - ir);
        if (ao.transposed()) {
          SgemmPack.aRows(a, ao, bi, ir, rows, p0, kb, pa);
          SgemmKernels.narrow(kb, pa, 0, kb, rows, pb, acc);
        } else {
          SgemmKernels.narrow(kb, a, aBase + ir * ao.ld() + p0, ao.ld(), rows, pb, acc);
        }
        update(acc, V, cBase + ir * ldc + j0, ldc, rows, cols, first);
      }
    }
  }

  /**
   * Writes a block of sums into C: {@code alpha * sum (+ beta * C)} for the first depth block,
   * {@code C + alpha * sum} for the later ones. The vector body and the scalar tail do the same
   * float operations, so an element's value never depends on where it falls in a tile.
   */
  private void update(float[] acc, int width, int ci, int ldc, int rows, int cols, boolean first) {
    // Whole vectors, then the row's tail in scalar float operations (the same operations, so the
    // same bits). A masked tail vector was slower: C2 left its masked loads on the Vector API's
    // per-lane Java path (10% of a steady Fashion-MNIST step's samples, bench/RESULTS.md).
    int vecCols = cols & -V;
    for (int r = 0; r < rows; r++) {
      int at = ci + r * ldc;
      int from = r * width;
      for (int j = 0; j < vecCols; j += V) {
        store(acc, from + j, at + j, first);
      }
      for (int j = vecCols; j < cols; j++) {
        float sum = acc[from + j];
        c[at + j] =
            first
                ? (beta == 0 ? sum * alpha : sum * alpha + c[at + j] * beta)
                : c[at + j] + sum * alpha;
      }
    }
  }

  /** One vector of {@link #update}. */
  private void store(float[] acc, int from, int at, boolean first) {
    FloatVector sum = FloatVector.fromArray(S, acc, from);
    FloatVector v;
    if (first && beta == 0) {
      v = sum.mul(alpha);
    } else {
      FloatVector old = FloatVector.fromArray(S, c, at);
      v = first ? sum.mul(alpha).add(old.mul(beta)) : old.add(sum.mul(alpha));
    }
    v.intoArray(c, at);
  }

  /** Tiny products: a plain loop, no packing and no buffers. */
  private void small(int bi) {
    int aBase = ao.offset() + bi * ao.batchStride();
    int bBase = bo.offset() + bi * bo.batchStride();
    int cBase = co.offset() + bi * co.batchStride();
    int ars = ao.transposed() ? 1 : ao.ld();
    int acs = ao.transposed() ? ao.ld() : 1;
    int brs = bo.transposed() ? 1 : bo.ld();
    int bcs = bo.transposed() ? bo.ld() : 1;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0;
        for (int p = 0; p < k; p++) {
          sum = Math.fma(a[aBase + i * ars + p * acs], b[bBase + p * brs + j * bcs], sum);
        }
        int at = cBase + i * co.ld() + j;
        c[at] = beta == 0 ? alpha * sum : alpha * sum + beta * c[at];
      }
    }
  }

  static int ceilDiv(int x, int y) {
    return (x + y - 1) / y;
  }

  static int roundUp(int x, int multiple) {
    return ceilDiv(x, multiple) * multiple;
  }
}
