package io.myelin.cpu;

import io.myelin.backend.GemmOperand;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Double-precision GEMM tiles: packs blocks of op(A) and op(B) into micro-panels and runs a {@link
 * #MR} x (2 vectors) register micro-kernel over them (see {@link Gemm} for the driver).
 *
 * <p>Packing makes every operand layout look the same to the kernel: A panels hold MR rows
 * interleaved by k ({@code pa[p * MR + r]}), B panels hold NR columns by k ({@code pb[p * NR +
 * c]}), zero-padded at the edges, so transposition is handled once per element while packing and
 * the kernel reads both panels with unit stride. The kernel keeps MR x 2 accumulator vectors in
 * registers and does one broadcast and two FMAs per row per k step. Edge tiles go through a small
 * buffer so the kernel never writes outside C.
 *
 * <p>Kept deliberately plain: float64 serves gradient checks, where correctness is what counts.
 */
final class Dgemm implements Gemm.Kernel {
  static final VectorSpecies<Double> S = VectorSpecies.of(double.class, VectorWidth.SHAPE);
  static final int V = S.length();

  /**
   * Rows of the micro-kernel: 6 x 2 vectors where there are 32 vector registers (AVX-512), 5 x 2
   * below ({@link #kernel5}).
   */
  static final int MR = V >= 8 ? 6 : 5;

  static final int NR = 2 * V;

  private final double[] a;
  private final GemmOperand ao;
  private final double[] b;
  private final GemmOperand bo;
  private final double[] c;
  private final GemmOperand co;
  private final int k;
  private final double alpha;
  private final double beta;

  Dgemm(
      double[] a,
      GemmOperand ao,
      double[] b,
      GemmOperand bo,
      double[] c,
      GemmOperand co,
      int k,
      double alpha,
      double beta) {
    this.a = a;
    this.ao = ao;
    this.b = b;
    this.bo = bo;
    this.c = c;
    this.co = co;
    this.k = k;
    this.alpha = alpha;
    this.beta = beta;
  }

  @Override
  public int mr() {
    return MR;
  }

  @Override
  public int nr() {
    return NR;
  }

  @Override
  public Gemm.TileWorker newWorker(int mc, int nc) {
    int kc = Math.min(Gemm.KC, k);
    double[] pa = new double[Gemm.roundUp(mc, MR) * kc];
    double[] pb = new double[Gemm.roundUp(nc, NR) * kc];
    double[] tmp = new double[MR * NR];
    return (bi, i0, i1, j0, j1) -> tile(pa, pb, tmp, bi, i0, i1, j0, j1);
  }

  private void tile(
      double[] pa, double[] pb, double[] tmp, int bi, int i0, int i1, int j0, int j1) {
    int ldc = co.ld();
    int cBase = co.offset() + bi * co.batchStride();
    for (int p0 = 0; p0 < k; p0 += Gemm.KC) {
      int kc = Math.min(Gemm.KC, k - p0);
      // Later depth blocks add onto what the first one stored.
      double betaBlock = p0 == 0 ? beta : 1.0;
      packB(pb, bi, p0, kc, j0, j1);
      packA(pa, bi, i0, i1, p0, kc);
      for (int jr = j0; jr < j1; jr += NR) {
        int nr = Math.min(NR, j1 - jr);
        int bOff = (jr - j0) * kc;
        for (int ir = i0; ir < i1; ir += MR) {
          int mr = Math.min(MR, i1 - ir);
          if (MR == 6) {
            kernel6(
                kc,
                pa,
                (ir - i0) * kc,
                pb,
                bOff,
                cBase + ir * ldc + jr,
                ldc,
                mr,
                nr,
                betaBlock,
                tmp);
          } else {
            kernel5(
                kc,
                pa,
                (ir - i0) * kc,
                pb,
                bOff,
                cBase + ir * ldc + jr,
                ldc,
                mr,
                nr,
                betaBlock,
                tmp);
          }
        }
      }
    }
  }

  /** Packs rows [i0, i1) x depth [p0, p0 + kc) of op(A) into MR-row panels. */
  private void packA(double[] pa, int bi, int i0, int i1, int p0, int kc) {
    int base = ao.offset() + bi * ao.batchStride();
    int ld = ao.ld();
    for (int ir = i0; ir < i1; ir += MR) {
      int panel = (ir - i0) * kc;
      int mr = Math.min(MR, i1 - ir);
      if (ao.transposed()) {
        // op(A)(i, p) = A[p][i]: the MR rows of a panel are adjacent in memory.
        for (int p = 0; p < kc; p++) {
          int src = base + (p0 + p) * ld + ir;
          int dst = panel + p * MR;
          for (int r = 0; r < mr; r++) {
            pa[dst + r] = a[src + r];
          }
          for (int r = mr; r < MR; r++) {
            pa[dst + r] = 0;
          }
        }
      } else {
        for (int r = 0; r < MR; r++) {
          if (r < mr) {
            int src = base + (ir + r) * ld + p0;
            for (int p = 0; p < kc; p++) {
              pa[panel + p * MR + r] = a[src + p];
            }
          } else {
            for (int p = 0; p < kc; p++) {
              pa[panel + p * MR + r] = 0;
            }
          }
        }
      }
    }
  }

  /** Packs depth [p0, p0 + kc) x columns [j0, j1) of op(B) into NR-column panels. */
  private void packB(double[] pb, int bi, int p0, int kc, int j0, int j1) {
    int base = bo.offset() + bi * bo.batchStride();
    int ld = bo.ld();
    for (int jr = j0; jr < j1; jr += NR) {
      int panel = (jr - j0) * kc;
      int nr = Math.min(NR, j1 - jr);
      if (bo.transposed()) {
        // op(B)(p, j) = B[j][p]: walk each stored row once.
        for (int col = 0; col < NR; col++) {
          if (col < nr) {
            int src = base + (jr + col) * ld + p0;
            for (int p = 0; p < kc; p++) {
              pb[panel + p * NR + col] = b[src + p];
            }
          } else {
            for (int p = 0; p < kc; p++) {
              pb[panel + p * NR + col] = 0;
            }
          }
        }
      } else {
        for (int p = 0; p < kc; p++) {
          int dst = panel + p * NR;
          System.arraycopy(b, base + (p0 + p) * ld + jr, pb, dst, nr);
          for (int col = nr; col < NR; col++) {
            pb[dst + col] = 0;
          }
        }
      }
    }
  }

  /**
   * C[0..mr, 0..nr) at {@code ci} = alpha * (A panel x B panel) + betaBlock * C. Reads C only when
   * betaBlock is non-zero.
   */
  private void kernel6(
      int kc,
      double[] pa,
      int ai,
      double[] pb,
      int bi,
      int ci,
      int ldc,
      int mr,
      int nr,
      double betaBlock,
      double[] tmp) {
    DoubleVector z = DoubleVector.zero(S);
    DoubleVector c00 = z, c01 = z;
    DoubleVector c10 = z, c11 = z;
    DoubleVector c20 = z, c21 = z;
    DoubleVector c30 = z, c31 = z;
    DoubleVector c40 = z, c41 = z;
    DoubleVector c50 = z, c51 = z;
    for (int p = 0; p < kc; p++) {
      DoubleVector b0 = DoubleVector.fromArray(S, pb, bi);
      DoubleVector b1 = DoubleVector.fromArray(S, pb, bi + V);
      DoubleVector a;
      a = DoubleVector.broadcast(S, pa[ai + 0]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = DoubleVector.broadcast(S, pa[ai + 1]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = DoubleVector.broadcast(S, pa[ai + 2]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = DoubleVector.broadcast(S, pa[ai + 3]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      a = DoubleVector.broadcast(S, pa[ai + 4]);
      c40 = a.fma(b0, c40);
      c41 = a.fma(b1, c41);
      a = DoubleVector.broadcast(S, pa[ai + 5]);
      c50 = a.fma(b0, c50);
      c51 = a.fma(b1, c51);
      ai += 6;
      bi += NR;
    }
    if (mr == 6 && nr == NR) {
      store(c00, c01, c, ci + 0 * ldc, alpha, betaBlock);
      store(c10, c11, c, ci + 1 * ldc, alpha, betaBlock);
      store(c20, c21, c, ci + 2 * ldc, alpha, betaBlock);
      store(c30, c31, c, ci + 3 * ldc, alpha, betaBlock);
      store(c40, c41, c, ci + 4 * ldc, alpha, betaBlock);
      store(c50, c51, c, ci + 5 * ldc, alpha, betaBlock);
    } else {
      c00.intoArray(tmp, 0 * NR);
      c01.intoArray(tmp, 0 * NR + V);
      c10.intoArray(tmp, 1 * NR);
      c11.intoArray(tmp, 1 * NR + V);
      c20.intoArray(tmp, 2 * NR);
      c21.intoArray(tmp, 2 * NR + V);
      c30.intoArray(tmp, 3 * NR);
      c31.intoArray(tmp, 3 * NR + V);
      c40.intoArray(tmp, 4 * NR);
      c41.intoArray(tmp, 4 * NR + V);
      c50.intoArray(tmp, 5 * NR);
      c51.intoArray(tmp, 5 * NR + V);
      for (int r = 0; r < mr; r++) {
        for (int col = 0; col < nr; col++) {
          int at = ci + r * ldc + col;
          double v = alpha * tmp[r * NR + col];
          c[at] = betaBlock == 0 ? v : v + betaBlock * c[at];
        }
      }
    }
  }

  /**
   * {@link #kernel6} with five rows, for AVX2's 16 vector registers: ten accumulators, two B
   * vectors and a broadcast fit. Its sums always go through {@code tmp} and {@link #finish}: with
   * {@link #kernel6}'s twelve vector stores inlined as well, C2 gave up inlining the Vector API
   * calls on Zen 3 and the whole kernel ran as allocating Java (3 GFLOP/s, bench/RESULTS.md, round
   * 5). Same operations per element, so the same bits.
   */
  private void kernel5(
      int kc,
      double[] pa,
      int ai,
      double[] pb,
      int bi,
      int ci,
      int ldc,
      int mr,
      int nr,
      double betaBlock,
      double[] tmp) {
    DoubleVector z = DoubleVector.zero(S);
    DoubleVector c00 = z, c01 = z;
    DoubleVector c10 = z, c11 = z;
    DoubleVector c20 = z, c21 = z;
    DoubleVector c30 = z, c31 = z;
    DoubleVector c40 = z, c41 = z;
    for (int p = 0; p < kc; p++) {
      DoubleVector b0 = DoubleVector.fromArray(S, pb, bi);
      DoubleVector b1 = DoubleVector.fromArray(S, pb, bi + V);
      DoubleVector a;
      a = DoubleVector.broadcast(S, pa[ai + 0]);
      c00 = a.fma(b0, c00);
      c01 = a.fma(b1, c01);
      a = DoubleVector.broadcast(S, pa[ai + 1]);
      c10 = a.fma(b0, c10);
      c11 = a.fma(b1, c11);
      a = DoubleVector.broadcast(S, pa[ai + 2]);
      c20 = a.fma(b0, c20);
      c21 = a.fma(b1, c21);
      a = DoubleVector.broadcast(S, pa[ai + 3]);
      c30 = a.fma(b0, c30);
      c31 = a.fma(b1, c31);
      a = DoubleVector.broadcast(S, pa[ai + 4]);
      c40 = a.fma(b0, c40);
      c41 = a.fma(b1, c41);
      ai += 5;
      bi += NR;
    }
    c00.intoArray(tmp, 0 * NR);
    c01.intoArray(tmp, 0 * NR + V);
    c10.intoArray(tmp, 1 * NR);
    c11.intoArray(tmp, 1 * NR + V);
    c20.intoArray(tmp, 2 * NR);
    c21.intoArray(tmp, 2 * NR + V);
    c30.intoArray(tmp, 3 * NR);
    c31.intoArray(tmp, 3 * NR + V);
    c40.intoArray(tmp, 4 * NR);
    c41.intoArray(tmp, 4 * NR + V);
    finish(tmp, ci, ldc, mr, nr, betaBlock);
  }

  /**
   * {@code C = alpha * sum + betaBlock * C} for the sums in {@code tmp} (row r at {@code r * NR}):
   * {@link #store}'s operations on whole rows, the edge path's on partial ones.
   */
  private void finish(double[] tmp, int ci, int ldc, int mr, int nr, double betaBlock) {
    for (int r = 0; r < mr; r++) {
      int at = ci + r * ldc;
      if (nr == NR) {
        store(
            DoubleVector.fromArray(S, tmp, r * NR),
            DoubleVector.fromArray(S, tmp, r * NR + V),
            c,
            at,
            alpha,
            betaBlock);
      } else {
        for (int col = 0; col < nr; col++) {
          double v = alpha * tmp[r * NR + col];
          c[at + col] = betaBlock == 0 ? v : v + betaBlock * c[at + col];
        }
      }
    }
  }

  private void store(
      DoubleVector v0, DoubleVector v1, double[] c, int at, double alpha, double betaBlock) {
    if (betaBlock == 0) {
      v0.mul(alpha).intoArray(c, at);
      v1.mul(alpha).intoArray(c, at + V);
    } else {
      DoubleVector.fromArray(S, c, at).mul(betaBlock).add(v0.mul(alpha)).intoArray(c, at);
      DoubleVector.fromArray(S, c, at + V).mul(betaBlock).add(v1.mul(alpha)).intoArray(c, at + V);
    }
  }
}
