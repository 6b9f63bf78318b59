package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.Storage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code A B^T} and {@code (B A^T)^T} give the same bits on the CPU: each element is the same fused
 * multiply-adds over the same depth blocks whichever operand is packed as the transposed one.
 * Convolution's weight gradient relies on it when it computes {@code dW^T = cols gyP^T} instead of
 * {@code dW = gyP cols^T} (the faster orientation), so the CPU's dW does not depend on the choice.
 */
class SgemmOrientationTest {
  @Test
  void bothOrientationsOfAnNtProductHaveTheSameBits() {
    // {rows of A, rows of B, depth}: wide, narrow (<= one vector of columns), tiny, long depth.
    int[][] shapes = {{64, 288, 15488}, {7, 45, 333}, {32, 100, 5000}, {20, 21, 17}, {3, 2, 1}};
    for (int threads : new int[] {1, 2}) {
      try (CpuBackend be = new CpuBackend(threads)) {
        for (int[] s : shapes) {
          int m = s[0], n = s[1], k = s[2];
          SplittableRandom r = new SplittableRandom(m * 31L + n);
          Storage a = random(be, r, m * k);
          Storage b = random(be, r, n * k);
          Storage ab = be.allocate(DType.FLOAT32, m * n);
          Storage ba = be.allocate(DType.FLOAT32, m * n);
          for (double beta : new double[] {0, 1}) { // the second call accumulates, as chunks do
            be.gemm(1, m, n, k, 1, op(a, k, false), op(b, k, true), beta, op(ab, n, false));
            be.gemm(1, n, m, k, 1, op(b, k, false), op(a, k, true), beta, op(ba, m, false));
          }
          float[] x = new float[m * n];
          float[] y = new float[m * n];
          be.copyToHost(ab, 0, x, 0, x.length);
          be.copyToHost(ba, 0, y, 0, y.length);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              assertEquals(
                  Float.floatToRawIntBits(x[i * n + j]),
                  Float.floatToRawIntBits(y[j * m + i]),
                  threads + " threads, " + m + "x" + n + "x" + k + " at (" + i + ", " + j + ")");
            }
          }
        }
      }
    }
  }

  private static GemmOperand op(Storage s, int ld, boolean transposed) {
    return new GemmOperand(s, 0, ld, 0, transposed);
  }

  private static Storage random(CpuBackend be, SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    Storage s = be.allocate(DType.FLOAT32, n);
    be.copyFromHost(v, 0, s, 0, n);
    return s;
  }
}
