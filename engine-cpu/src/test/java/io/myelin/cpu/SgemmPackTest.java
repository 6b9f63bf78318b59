package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.myelin.backend.GemmOperand;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link SgemmPack#b} against a plain loop that writes the documented panel layout ({@code pb[q *
 * kb * width + p * width + col]}, zero columns past the edge), for both orientations of B: the
 * transposed case reads four stored rows at a time, or (vectorTranspose) goes through 16 x 16 (8 x
 * 8 with AVX2) register transposes ({@link SgemmTranspose}) with the depth tail read four rows at a
 * time; depths that are not multiples of 16 or 8, partial panels, offsets, padded leading
 * dimensions and batch entries are covered. Packing is a copy: the panels must be equal. Also A
 * micro-panels ({@link SgemmPack#a}) against their layout.
 */
class SgemmPackTest {
  @ParameterizedTest
  @CsvSource({
    // rows of op(B) (depth) in the block, its first row p0, columns, first column j0, total k, n
    "196, 0, 64, 0, 784, 512",
    "196, 588, 64, 448, 784, 512",
    "256, 256, 512, 0, 512, 512",
    "17, 3, 37, 5, 29, 61",
    "15, 0, 32, 0, 15, 40",
    "1, 0, 7, 2, 1, 9",
    "33, 7, 100, 11, 47, 113",
    "128, 0, 80, 16, 128, 300"
  })
  void panelsMatchAPlainLoop(int kb, int p0, int cols, int j0, int k, int n) {
    SplittableRandom rnd = new SplittableRandom(kb * 131L + cols * 7L + p0);
    for (boolean tb : new boolean[] {false, true}) {
      for (boolean vectorTranspose : new boolean[] {false, true}) {
        for (int width : new int[] {SgemmKernels.V, SgemmKernels.NR}) {
          int ld = (tb ? k : n) + 3;
          int rows = tb ? n : k;
          int stride = rows * ld + 5;
          float[] b = new float[7 + 2 * stride];
          for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextGaussian();
          }
          GemmOperand bo = new GemmOperand(null, 7, ld, stride, tb);
          int panels = (cols + width - 1) / width;
          float[] got = new float[panels * kb * width + 9];
          float[] want = new float[got.length];
          Arrays.fill(got, Float.NaN); // every packed slot must be written, padding included
          Arrays.fill(want, Float.NaN);
          for (int bi = 0; bi < 2; bi++) {
            SgemmPack.b(b, bo, bi, p0, kb, j0, cols, width, got, vectorTranspose);
            int base = 7 + bi * stride;
            for (int q = 0; q < panels; q++) {
              for (int p = 0; p < kb; p++) {
                for (int col = 0; col < width; col++) {
                  int j = j0 + q * width + col;
                  int at = q * kb * width + p * width + col;
                  boolean inside = q * width + col < cols;
                  want[at] =
                      !inside ? 0f : tb ? b[base + j * ld + p0 + p] : b[base + (p0 + p) * ld + j];
                }
              }
            }
            assertArrayEquals(
                want,
                got,
                "tb=" + tb + " vector=" + vectorTranspose + " width=" + width + " entry " + bi);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    // rows of the micro-panel, first row i0, depth kb, first depth p0, m, k, extra floats after A
    "12, 0, 196, 0, 128, 784, 0",
    "12, 116, 196, 588, 128, 784, 0",
    "12, 0, 128, 0, 512, 128, 0",
    "12, 500, 128, 0, 512, 128, 0",
    "7, 121, 33, 5, 128, 40, 3",
    "1, 0, 17, 0, 1, 17, 0",
    "12, 3, 15, 1, 20, 16, 1",
    "5, 40, 256, 256, 45, 600, 2"
  })
  void microPanelsMatchAPlainLoop(int rows, int i0, int kb, int p0, int m, int k, int extra) {
    SplittableRandom rnd = new SplittableRandom(rows * 977L + kb * 13L + i0);
    int mr = SgemmKernels.MR;
    for (boolean ta : new boolean[] {false, true}) {
      // Padded leading dimension, or none (ld == m: the transposed panel of the last rows then
      // ends at the array's end unless `extra` floats follow, the scalar fallback's case).
      for (int pad : new int[] {0, 3}) {
        int ld = (ta ? m : k) + pad;
        int stored = ta ? k : m;
        int stride = stored * ld + 2;
        float[] a = new float[5 + stride + stored * ld + extra];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) rnd.nextGaussian();
        }
        GemmOperand ao = new GemmOperand(null, 5, ld, stride, ta);
        float[] got = new float[mr * kb + 16];
        float[] want = new float[mr * kb];
        for (int bi = 0; bi < 2; bi++) {
          java.util.Arrays.fill(got, Float.NaN);
          SgemmPack.a(a, ao, bi, i0, rows, p0, kb, got, 3);
          int base = 5 + bi * stride;
          for (int p = 0; p < kb; p++) {
            for (int r = 0; r < mr; r++) {
              int i = i0 + r;
              int q = p0 + p;
              want[p * mr + r] = r >= rows ? 0f : ta ? a[base + q * ld + i] : a[base + i * ld + q];
            }
          }
          assertArrayEquals(
              want,
              java.util.Arrays.copyOfRange(got, 3, 3 + mr * kb),
              "ta=" + ta + " pad=" + pad + " batch entry " + bi);
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"16, 16", "23, 19", "40, 33"})
  void transposeBlockIsATranspose(int lds, int ldd) {
    checkTranspose(16, lds, ldd);
  }

  @ParameterizedTest
  @CsvSource({"8, 8", "16, 16", "11, 9", "23, 40"})
  void transposeBlock8IsATranspose(int lds, int ldd) {
    checkTranspose(8, lds, ldd);
  }

  /** SgemmTranspose's n x n block (16 or 8) against the element-by-element transpose. */
  private static void checkTranspose(int n, int lds, int ldd) {
    SplittableRandom rnd = new SplittableRandom(lds * 1000L + ldd);
    float[] src = new float[3 + n * lds];
    for (int i = 0; i < src.length; i++) {
      src[i] = (float) rnd.nextGaussian();
    }
    float[] dst = new float[5 + n * ldd];
    Arrays.fill(dst, Float.NaN);
    float[] want = dst.clone();
    if (n == 16) {
      SgemmTranspose.block16(src, 3, lds, dst, 5, ldd);
    } else {
      SgemmTranspose.block8(src, 3, lds, dst, 5, ldd);
    }
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < n; c++) {
        want[5 + c * ldd + r] = src[3 + r * lds + c];
      }
    }
    assertArrayEquals(want, dst);
  }

  /** The pool's switch: once the dummy transposes run compiled it says so, and stays so. */
  @org.junit.jupiter.api.Test
  void poolSwitchesToRegisterTransposesOnceCompiled() {
    SgemmScratch.Pool pool = new SgemmScratch.Pool();
    if (SgemmKernels.V != SgemmTranspose.N && SgemmKernels.V != SgemmTranspose.N8) {
      org.junit.jupiter.api.Assertions.assertFalse(pool.vectorTranspose());
      return;
    }
    boolean on = false;
    for (int i = 0; i < 200_000 && !on; i++) {
      on = pool.vectorTranspose();
    }
    org.junit.jupiter.api.Assertions.assertTrue(on, "register transposes never switched on");
    org.junit.jupiter.api.Assertions.assertTrue(pool.vectorTranspose());
  }
}
