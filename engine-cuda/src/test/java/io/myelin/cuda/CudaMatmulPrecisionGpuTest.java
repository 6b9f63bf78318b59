package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.MatmulPrecision;
import io.myelin.backend.Storage;
import org.junit.jupiter.api.Test;

/**
 * setMatmulPrecision on cuda:0: HIGH switches cuBLAS to TF32 tensor-op math (named in the
 * description), HIGHEST back to full float32. Skipped with the probe's reason without a GPU.
 */
class CudaMatmulPrecisionGpuTest extends CudaGpuTest {

  private double[] product(int m, int n, int k, double[] a, double[] bm) {
    Storage sa = upload(DType.FLOAT32, a);
    Storage sb = upload(DType.FLOAT32, bm);
    Storage sc = b.allocate(DType.FLOAT32, m * n);
    b.gemm(
        1,
        m,
        n,
        k,
        1,
        GemmOperand.of(sa, 0, k),
        GemmOperand.of(sb, 0, n),
        0,
        GemmOperand.of(sc, 0, n));
    double[] c = download(sc);
    sa.release();
    sb.release();
    sc.release();
    return c;
  }

  @Test
  void highUsesTf32AndHighestGoesBack() {
    int m = 64;
    int n = 96;
    int k = 512;
    double[] a = rounded(DType.FLOAT32, uniform(m * k, -1, 1));
    double[] bm = rounded(DType.FLOAT32, uniform(k * n, -1, 1));
    double[] ref = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += a[i * k + p] * bm[p * n + j];
        }
        ref[i * n + j] = s;
      }
    }
    assertEquals(MatmulPrecision.HIGHEST, b.matmulPrecision());
    assertFalse(b.description().contains("TF32"), b.description());
    try {
      b.setMatmulPrecision(MatmulPrecision.HIGH);
      assertEquals(MatmulPrecision.HIGH, b.matmulPrecision());
      String d = b.description();
      assertTrue(d.contains(b.gemmPath().startsWith("cuBLAS") ? "TF32" : "no effect"), d);
      // TF32 keeps 10 mantissa bits: products are good to about 1e-3 relative, sums of 512 of
      // them to a few 1e-3 absolute here.
      double[] high = product(m, n, k, a, bm);
      assertClose(ref, high, 3e-2, "HIGH");
      if (b.gemmPath().startsWith("cuBLAS")) {
        // And TF32 really applies: float32 stays within about 1e-5 here, TF32 inputs miss by
        // ~1e-3 (unless NVIDIA_TF32_OVERRIDE=0 disables TF32 for the whole process).
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
          worst = Math.max(worst, Math.abs(high[i] - ref[i]));
        }
        assertTrue(
            worst > 1e-3,
            "HIGH gave float32-exact products (max error "
                + worst
                + "): TF32 math mode was not applied");
      }
    } finally {
      b.setMatmulPrecision(MatmulPrecision.HIGHEST);
    }
    assertEquals(MatmulPrecision.HIGHEST, b.matmulPrecision());
    assertClose(ref, product(m, n, k, a, bm), 1e-4, "HIGHEST");
  }
}
