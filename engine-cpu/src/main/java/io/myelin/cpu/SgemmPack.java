package io.myelin.cpu;

import static io.myelin.cpu.SgemmKernels.MR;
import static io.myelin.cpu.SgemmKernels.S;
import static io.myelin.cpu.SgemmKernels.V;

import io.myelin.backend.GemmOperand;
import jdk.incubator.vector.FloatVector;

/**
 * Packing for {@link Sgemm}: copies a block of op(A) or op(B) into the unit-stride layout the
 * micro-kernels read, zero-padding the edges, so a transposed operand costs one pass here and
 * nothing in the kernel.
 *
 * <ul>
 *   <li>B panels: columns {@code [j, j + width)} of op(B) over a depth block, {@code pb[q * kb *
 *       width + p * width + col]} for panel q (width is two vectors, or one on the narrow path).
 *   <li>A micro-panels: MR rows interleaved by depth, {@code pa[p * MR + r]}.
 *   <li>A row panels (narrow path, transposed A only): {@code pa[r * kb + p]}.
 * </ul>
 */
final class SgemmPack {
  private SgemmPack() {}

  /**
   * Packs depth [p0, p0 + kb) x columns [j0, j0 + cols) of op(B) into panels of {@code width} (a
   * multiple of 4); {@code vectorTranspose} lets a transposed B use {@link SgemmTranspose}.
   */
  static void b(
      float[] b,
      GemmOperand bo,
      int bi,
      int p0,
      int kb,
      int j0,
      int cols,
      int width,
      float[] pb,
      boolean vectorTranspose) {
    int base = bo.offset() + bi * bo.batchStride();
    int ld = bo.ld();
    int full = cols / width;
    int rest = cols - full * width;
    if (!bo.transposed()) {
      for (int p = 0; p < kb; p++) {
        int src = base + (p0 + p) * ld + j0;
        int dst = p * width;
        for (int q = 0; q < full; q++) {
          int s = src + q * width;
          int d = dst + q * kb * width;
          for (int v = 0; v < width; v += V) {
            FloatVector.fromArray(S, b, s + v).intoArray(pb, d + v);
          }
        }
        if (rest > 0) {
          int s = src + full * width;
          int d = dst + full * kb * width;
          for (int col = 0; col < rest; col++) {
            pb[d + col] = b[s + col];
          }
          for (int col = rest; col < width; col++) {
            pb[d + col] = 0;
          }
        }
      }
      return;
    }
    // op(B)(p, j) = B[j][p]. Full panels: with {@code vectorTranspose} (C2 has compiled the
    // register transpose: see SgemmScratch.Pool), 16 x 16 blocks (AVX-512) or 8 x 8 blocks (AVX2)
    // transposed in registers; else, and for the depth tail, four stored rows (four columns of the
    // panel) at a time, each read with unit stride. The 16 x 16 transpose is 1.6x faster compiled
    // (a gather per depth step took 13% of a Fashion-MNIST step), the 8 x 8 one 2.2-2.5x on Zen 3
    // (bench/RESULTS.md, round 5); but as Vector API code they run as allocating Java until C2 has
    // compiled them: used from the first call the 16 x 16 one added ~1 s to the first training
    // step.
    boolean blocks = vectorTranspose && width % V == 0;
    int blocked = blocks && V == SgemmTranspose.N ? kb - kb % SgemmTranspose.N : 0;
    int blocked8 = blocks && V == SgemmTranspose.N8 ? kb - kb % SgemmTranspose.N8 : 0;
    int done = Math.max(blocked, blocked8);
    for (int q = 0; q < full; q++) {
      int d = q * kb * width;
      for (int v = 0; blocked > 0 && v < width; v += V) {
        int s = base + (j0 + q * width + v) * ld + p0;
        for (int p = 0; p < blocked; p += SgemmTranspose.N) {
          SgemmTranspose.block16(b, s + p, ld, pb, d + p * width + v, width);
        }
      }
      for (int v = 0; blocked8 > 0 && v < width; v += V) {
        int s = base + (j0 + q * width + v) * ld + p0;
        for (int p = 0; p < blocked8; p += SgemmTranspose.N8) {
          SgemmTranspose.block8(b, s + p, ld, pb, d + p * width + v, width);
        }
      }
      for (int col = 0; col < width; col += 4) {
        int s0 = base + (j0 + q * width + col) * ld + p0;
        int s1 = s0 + ld;
        int s2 = s1 + ld;
        int s3 = s2 + ld;
        for (int p = done; p < kb; p++) {
          int o = d + p * width + col;
          pb[o] = b[s0 + p];
          pb[o + 1] = b[s1 + p];
          pb[o + 2] = b[s2 + p];
          pb[o + 3] = b[s3 + p];
        }
      }
    }
    // The partial last panel: each stored row is one column, read with unit stride.
    for (int q = full; q < full + (rest > 0 ? 1 : 0); q++) {
      int d = q * kb * width;
      int n = rest;
      for (int col = 0; col < n; col++) {
        int s = base + (j0 + q * width + col) * ld + p0;
        for (int p = 0; p < kb; p++) {
          pb[d + p * width + col] = b[s + p];
        }
      }
      for (int col = n; col < width; col++) {
        for (int p = 0; p < kb; p++) {
          pb[d + p * width + col] = 0;
        }
      }
    }
  }

  /**
   * Packs rows [i0, i0 + rows) x depth [p0, p0 + kb) of op(A) into one interleaved micro-panel at
   * {@code pa[po..]}.
   */
  static void a(
      float[] a, GemmOperand ao, int bi, int i0, int rows, int p0, int kb, float[] pa, int po) {
    int base = ao.offset() + bi * ao.batchStride();
    int ld = ao.ld();
    if (ao.transposed()) {
      // op(A)(i, p) = A[p][i]: the rows of a micro-panel are adjacent in memory.
      for (int p = 0; p < kb; p++) {
        int src = base + (p0 + p) * ld + i0;
        int dst = po + p * MR;
        for (int r = 0; r < rows; r++) {
          pa[dst + r] = a[src + r];
        }
        for (int r = rows; r < MR; r++) {
          pa[dst + r] = 0;
        }
      }
      return;
    }
    if (rows == MR) {
      if (MR == 12) {
        rows12(a, base + i0 * ld + p0, ld, kb, pa, po);
      } else {
        rows5(a, base + i0 * ld + p0, ld, kb, pa, po);
      }
      return;
    }
    for (int r = 0; r < MR; r++) {
      if (r < rows) {
        int src = base + (i0 + r) * ld + p0;
        for (int p = 0; p < kb; p++) {
          pa[po + p * MR + r] = a[src + p];
        }
      } else {
        for (int p = 0; p < kb; p++) {
          pa[po + p * MR + r] = 0;
        }
      }
    }
  }

  /**
   * A whole 12-row micro-panel of a row-major A, depth step by depth step: twelve read streams and
   * sequential stores, 0.49 ns per element against 0.68 for twelve passes of stride-12 stores
   * (bench/RESULTS.md, round 4).
   */
  private static void rows12(float[] a, int s0, int ld, int kb, float[] pa, int po) {
    int s1 = s0 + ld;
    int s2 = s1 + ld;
    int s3 = s2 + ld;
    int s4 = s3 + ld;
    int s5 = s4 + ld;
    int s6 = s5 + ld;
    int s7 = s6 + ld;
    int s8 = s7 + ld;
    int s9 = s8 + ld;
    int s10 = s9 + ld;
    int s11 = s10 + ld;
    for (int p = 0; p < kb; p++) {
      int d = po + p * 12;
      pa[d] = a[s0 + p];
      pa[d + 1] = a[s1 + p];
      pa[d + 2] = a[s2 + p];
      pa[d + 3] = a[s3 + p];
      pa[d + 4] = a[s4 + p];
      pa[d + 5] = a[s5 + p];
      pa[d + 6] = a[s6 + p];
      pa[d + 7] = a[s7 + p];
      pa[d + 8] = a[s8 + p];
      pa[d + 9] = a[s9 + p];
      pa[d + 10] = a[s10 + p];
      pa[d + 11] = a[s11 + p];
    }
  }

  /** {@link #rows12} for the five-row micro-panel of AVX2. */
  private static void rows5(float[] a, int s0, int ld, int kb, float[] pa, int po) {
    int s1 = s0 + ld;
    int s2 = s1 + ld;
    int s3 = s2 + ld;
    int s4 = s3 + ld;
    for (int p = 0; p < kb; p++) {
      int d = po + p * 5;
      pa[d] = a[s0 + p];
      pa[d + 1] = a[s1 + p];
      pa[d + 2] = a[s2 + p];
      pa[d + 3] = a[s3 + p];
      pa[d + 4] = a[s4 + p];
    }
  }

  /** Packs rows [i0, i0 + rows) x depth [p0, p0 + kb) of a transposed op(A) row by row. */
  static void aRows(
      float[] a, GemmOperand ao, int bi, int i0, int rows, int p0, int kb, float[] pa) {
    int base = ao.offset() + bi * ao.batchStride();
    int ld = ao.ld();
    for (int p = 0; p < kb; p++) {
      int src = base + (p0 + p) * ld + i0;
      for (int r = 0; r < rows; r++) {
        pa[r * kb + p] = a[src + r];
      }
    }
  }
}
