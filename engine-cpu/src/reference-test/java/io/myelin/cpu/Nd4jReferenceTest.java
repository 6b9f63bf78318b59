package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The CPU backend against ND4J (OpenBLAS SGEMM and libnd4j kernels) on the same random float32
 * inputs: an independent implementation, as opposed to the double loops of the conformance suite.
 */
class Nd4jReferenceTest {
  private static final CpuBackend CPU = new CpuBackend(2);

  @AfterAll
  static void close() {
    CPU.close();
  }

  private static float[] randoms(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  private static Storage upload(float[] v) {
    Storage s = CPU.allocate(DType.FLOAT32, v.length);
    CPU.copyFromHost(v, 0, s, 0, v.length);
    return s;
  }

  private static float[] download(Storage s) {
    float[] v = new float[s.length()];
    CPU.copyToHost(s, 0, v, 0, v.length);
    s.release();
    return v;
  }

  /** |a - b| <= tol * (|b| + floor) everywhere. */
  private static void assertNear(
      String what, float[] expected, float[] actual, double tol, double floor) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]);
      assertTrue(
          err <= tol * (Math.abs(expected[i]) + floor),
          what + " element " + i + ": nd4j " + expected[i] + " myelin " + actual[i]);
    }
  }

  @Test
  void gemmMatchesNd4jForEveryTranspose() {
    SplittableRandom r = rng();
    int[][] shapes = {{1, 1, 1}, {7, 13, 97}, {64, 64, 64}, {257, 130, 300}};
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0;
        boolean tb = (t & 2) != 0;
        float[] a = randoms(r, m * k);
        float[] b = randoms(r, k * n);
        INDArray na = Nd4j.create(a, ta ? new long[] {k, m} : new long[] {m, k}, 'c');
        INDArray nb = Nd4j.create(b, tb ? new long[] {n, k} : new long[] {k, n}, 'c');
        float[] expected =
            Nd4j.gemm(na, nb, ta, tb)
                .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                .dup('c')
                .data()
                .asFloat();
        Storage sc = CPU.allocate(DType.FLOAT32, m * n);
        Storage sa = upload(a);
        Storage sb = upload(b);
        CPU.gemm(
            1,
            m,
            n,
            k,
            1,
            new GemmOperand(sa, 0, ta ? m : k, 0, ta),
            new GemmOperand(sb, 0, tb ? k : n, 0, tb),
            0,
            GemmOperand.of(sc, 0, n));
        sa.release();
        sb.release();
        // Sums of k terms in [-1, 1]: scale the tolerance by sqrt(k), the typical magnitude.
        assertNear(
            "gemm " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb,
            expected,
            download(sc),
            1e-4,
            Math.sqrt(k));
      }
    }
  }

  @Test
  void softmaxMatchesNd4j() {
    SplittableRandom r = rng();
    for (int[] s : new int[][] {{1, 1}, {13, 97}, {128, 1000}}) {
      float[] x = randoms(r, s[0] * s[1]);
      for (int i = 0; i < x.length; i++) x[i] *= 10;
      float[] expected =
          Transforms.softmax(Nd4j.create(x, new long[] {s[0], s[1]}, 'c'), true).data().asFloat();
      Storage sx = upload(x);
      Storage sy = CPU.allocate(DType.FLOAT32, x.length);
      CPU.softmax(false, sx, 0, s[0], s[1], sy, 0);
      sx.release();
      assertNear("softmax " + s[0] + "x" + s[1], expected, download(sy), 1e-5, 1e-6);
    }
  }

  @Test
  void sumMaxAndArgmaxMatchNd4j() {
    SplittableRandom r = rng();
    for (int[] s : new int[][] {{1, 1}, {7, 13}, {97, 1001}, {3, 100_003}}) {
      int rows = s[0];
      int cols = s[1];
      float[] x = randoms(r, rows * cols);
      INDArray nx = Nd4j.create(x, new long[] {rows, cols}, 'c');
      Storage sx = upload(x);
      for (int dim = 0; dim < 2; dim++) {
        // Reducing dim 0 of [rows, cols] is [1, rows, cols]; dim 1 is [rows, cols, 1].
        int outer = dim == 0 ? 1 : rows;
        int reduced = dim == 0 ? rows : cols;
        int inner = dim == 0 ? cols : 1;
        int outs = outer * inner;
        String what = rows + "x" + cols + " dim " + dim;
        Storage sum = CPU.allocate(DType.FLOAT32, outs);
        CPU.reduce(ReduceOp.SUM, sx, 0, outer, reduced, inner, sum, 0);
        assertNear(
            "sum " + what, nx.sum(dim).data().asFloat(), download(sum), 1e-4, Math.sqrt(reduced));
        Storage max = CPU.allocate(DType.FLOAT32, outs);
        CPU.reduce(ReduceOp.MAX, sx, 0, outer, reduced, inner, max, 0);
        assertArrayEquals(nx.max(dim).data().asFloat(), download(max), "max " + what);
        Storage arg = CPU.allocate(DType.INT32, outs);
        CPU.reduce(ReduceOp.ARGMAX, sx, 0, outer, reduced, inner, arg, 0);
        int[] got = new int[outs];
        CPU.copyToHost(arg, 0, got, 0, outs);
        arg.release();
        assertArrayEquals(Nd4j.argMax(nx, dim).data().asInt(), got, "argmax " + what);
      }
      sx.release();
    }
  }

  private static SplittableRandom rng() {
    return new SplittableRandom(0x5eed);
  }
}
