package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.Storage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The built-in SGEMM's fused bias + activation epilogue against a double-precision product: every
 * activation, transposes, batch, beta 0 with NaN in C (must not propagate) and beta != 0, sizes off
 * the 128 tile (1, primes, one more than a tile) and a k that is not a multiple of 8.
 */
class CudaGemmEpilogueGpuTest extends CudaGpuTest {

  private static double activate(GemmActivation act, double v) {
    return switch (act) {
      case NONE -> v;
      case RELU -> Math.max(v, 0);
      case GELU -> v * 0.5 * (1 + erf(v / Math.sqrt(2)));
      case TANH -> Math.tanh(v);
      case SIGMOID -> 1 / (1 + Math.exp(-v));
    };
  }

  /** Abramowitz-Stegun 7.1.26 is too coarse; integrate instead (tests only, small |x|). */
  private static double erf(double x) {
    int steps = 2000;
    double h = x / steps;
    double s = 0;
    for (int i = 0; i <= steps; i++) {
      double t = i * h;
      double w = i == 0 || i == steps ? 1 : (i % 2 == 1 ? 4 : 2);
      s += w * Math.exp(-t * t);
    }
    return 2 / Math.sqrt(Math.PI) * s * h / 3;
  }

  @Test
  void epilogueMatchesReference() {
    int[][] shapes = {{1, 1, 1}, {129, 257, 31}, {7, 1, 1031}, {128, 128, 8}, {3, 131, 9}};
    for (int[] s : shapes) {
      int m = s[0], n = s[1], k = s[2];
      for (GemmActivation act : GemmActivation.values()) {
        for (int variant = 0; variant < 2; variant++) {
          boolean ta = variant == 1, tb = variant == 1;
          int batch = variant == 1 ? 3 : 1;
          double beta = variant == 1 ? 0.5 : 0;
          double[] a = rounded(DType.FLOAT32, uniform(batch * m * k, -1, 1));
          double[] bm = rounded(DType.FLOAT32, uniform(batch * k * n, -1, 1));
          double[] c = rounded(DType.FLOAT32, uniform(batch * m * n, -1, 1));
          double[] bias = rounded(DType.FLOAT32, uniform(n, -1, 1));
          double[] cIn = c.clone();
          if (beta == 0) Arrays.fill(cIn, Double.NaN);
          double[] expected = new double[c.length];
          for (int z = 0; z < batch; z++) {
            for (int i = 0; i < m; i++) {
              for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int q = 0; q < k; q++) {
                  double av = ta ? a[z * m * k + q * m + i] : a[z * m * k + i * k + q];
                  double bv = tb ? bm[z * k * n + j * k + q] : bm[z * k * n + q * n + j];
                  acc += av * bv;
                }
                int o = z * m * n + i * n + j;
                expected[o] = activate(act, 1.25 * acc + (beta == 0 ? 0 : beta * c[o]) + bias[j]);
              }
            }
          }
          Storage da = upload(DType.FLOAT32, a), db = upload(DType.FLOAT32, bm);
          Storage dc = upload(DType.FLOAT32, cIn), dbias = upload(DType.FLOAT32, bias);
          b.gemmBiasActivation(
              batch,
              m,
              n,
              k,
              1.25,
              new GemmOperand(da, 0, ta ? m : k, m * k, ta),
              new GemmOperand(db, 0, tb ? k : n, k * n, tb),
              beta,
              new GemmOperand(dc, 0, n, m * n, false),
              dbias,
              0,
              act);
          assertClose(
              expected,
              download(dc),
              1e-4 * Math.max(1, Math.sqrt(k)),
              "sgemm epilogue " + act + " " + Arrays.toString(s) + " variant " + variant);
          for (Storage st : new Storage[] {da, db, dc, dbias}) st.release();
        }
      }
    }
  }
}
