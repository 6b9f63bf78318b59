package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.MemoryStats;
import io.myelin.backend.Philox;
import io.myelin.backend.Storage;
import org.junit.jupiter.api.Test;

/** Philox streams, GEMM (cuBLAS and the built-in kernel) and the allocator on the device. */
class CudaRandomGemmGpuTest extends CudaGpuTest {

  @Test
  void philoxWordsAreBitIdenticalToJava() {
    long seed = 0x0123_4567_89AB_CDEFL;
    long counter = 0xFFFF_FFFFL - 3; // the low word wraps inside the run: tests the 64-bit carry
    int blocks = 1000;
    Storage s = b.allocate(DType.INT32, blocks * 4);
    b.philoxWords(s, blocks, seed, counter);
    int[] got = new int[blocks * 4];
    b.copyToHost(s, 0, got, 0, got.length);
    int[] expected = new int[blocks * 4];
    int[] w = new int[4];
    for (int j = 0; j < blocks; j++) {
      Philox.block(seed, counter + j, w);
      System.arraycopy(w, 0, expected, j * 4, 4);
    }
    assertArrayEquals(expected, got);
  }

  @Test
  void uniformsAreBitIdenticalAndNormalsClose() {
    int n = 4099;
    long seed = 42;
    long counter = 17;
    double[] u = new double[n];
    Philox.uniforms(seed, counter, u, 0, n);
    double[] z = new double[n];
    Philox.normals(seed, counter, z, 0, n);
    for (DType dt : FLOATS) {
      Storage s = b.allocate(dt, n + 1);
      b.randomUniform(s, 1, n, seed, counter, -2, 3);
      double[] got = java.util.Arrays.copyOfRange(download(s), 1, n + 1);
      double[] expected = new double[n];
      for (int i = 0; i < n; i++) {
        expected[i] = -2 + (3 - -2) * u[i];
      }
      assertArrayEquals(rounded(dt, expected), got, 0.0, "uniform " + dt);
      b.randomNormal(s, 1, n, seed, counter, 0.5, 2);
      got = java.util.Arrays.copyOfRange(download(s), 1, n + 1);
      for (int i = 0; i < n; i++) {
        expected[i] = 0.5 + 2 * z[i];
      }
      assertClose(rounded(dt, expected), got, dt == DType.FLOAT32 ? 1e-6 : 1e-13, "normal " + dt);
      s.release();
    }
  }

  @Test
  void gemmMatchesReferenceOnBothPaths() {
    int[][] sizes = {{1, 1, 1}, {7, 13, 5}, {64, 33, 129}, {128, 256, 96}};
    for (DType dt : FLOATS) {
      for (boolean builtIn : new boolean[] {false, true}) {
        for (int[] s : sizes) {
          for (int t = 0; t < 4; t++) {
            gemmCase(dt, builtIn, 3, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0);
          }
        }
      }
    }
  }

  private void gemmCase(
      DType dt, boolean builtIn, int batch, int m, int n, int k, boolean ta, boolean tb) {
    int lda = (ta ? m : k) + 1;
    int ldb = (tb ? k : n) + 2;
    int ldc = n + 3;
    int sa = (ta ? k : m) * lda;
    int sc = m * ldc;
    double[] a = rounded(dt, uniform(batch * sa + 1, -1, 1));
    double[] bm = rounded(dt, uniform((tb ? n : k) * ldb, -1, 1)); // one B shared by the batch
    double[] c = rounded(dt, uniform(batch * sc, -1, 1));
    c[0] = Double.NaN; // beta == 0 must not read C
    double alpha = 0.75;
    double beta = 0;
    double[] expected = c.clone();
    for (int z = 0; z < batch; z++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double acc = 0;
          for (int q = 0; q < k; q++) {
            double av = ta ? a[1 + z * sa + q * lda + i] : a[1 + z * sa + i * lda + q];
            double bv = tb ? bm[j * ldb + q] : bm[q * ldb + j];
            acc += av * bv;
          }
          expected[z * sc + i * ldc + j] = alpha * acc;
        }
      }
    }
    Storage da = upload(dt, a);
    Storage db = upload(dt, bm);
    Storage dc = upload(dt, c);
    b.gemm(
        batch,
        m,
        n,
        k,
        alpha,
        new GemmOperand(da, 1, lda, sa, ta),
        new GemmOperand(db, 0, ldb, 0, tb),
        beta,
        new GemmOperand(dc, 0, ldc, sc, false),
        builtIn);
    String what =
        "gemm "
            + dt
            + (builtIn ? " built-in " : " " + b.gemmPath() + " ")
            + batch
            + "x"
            + m
            + "x"
            + n
            + "x"
            + k
            + " ta="
            + ta
            + " tb="
            + tb;
    assertClose(expected, download(dc), tolerance(dt, 1e-4), what);
    da.release();
    db.release();
    dc.release();
  }

  @Test
  void repeatedStepsAllocateNothingNewFromTheDriver() {
    Runnable step =
        () -> {
          Storage x = b.allocate(DType.FLOAT32, 64 * 784);
          Storage h = b.allocate(DType.FLOAT32, 64 * 512);
          Storage w = b.allocate(DType.FLOAT32, 512 * 784);
          b.randomNormal(w, 0, 512 * 784, 1, 0, 0, 0.05);
          b.randomUniform(x, 0, 64 * 784, 2, 0, 0, 1);
          b.gemm(
              1,
              64,
              512,
              784,
              1,
              GemmOperand.of(x, 0, 784),
              new GemmOperand(w, 0, 784, 0, true),
              0,
              GemmOperand.of(h, 0, 512));
          x.release();
          h.release();
          w.release();
        };
    step.run();
    b.synchronize();
    MemoryStats first = b.memoryStats();
    for (int i = 0; i < 5; i++) {
      step.run();
    }
    b.synchronize();
    MemoryStats later = b.memoryStats();
    assertEquals(first.systemAllocations(), later.systemAllocations());
    assertEquals(first.reservedBytes(), later.reservedBytes());
  }
}
