package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.backend.GemmOperand;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The row-major to column-major mapping, executed on a Java model of cuBLAS's column-major GEMM
 * (the BLAS definition) and compared with a direct row-major product: proves the operand swap,
 * transpose flags and leading dimensions without a GPU.
 */
class GemmPlanTest {

  @Test
  void columnMajorPlanComputesTheRowMajorProduct() {
    Random r = new Random(3);
    int[] sizes = {1, 2, 3, 7, 16, 17};
    for (int trial = 0; trial < 300; trial++) {
      int m = sizes[r.nextInt(sizes.length)];
      int n = sizes[r.nextInt(sizes.length)];
      int k = sizes[r.nextInt(sizes.length)];
      boolean ta = r.nextBoolean();
      boolean tb = r.nextBoolean();
      int lda = (ta ? m : k) + r.nextInt(3);
      int ldb = (tb ? k : n) + r.nextInt(3);
      int ldc = n + r.nextInt(3);
      int offA = r.nextInt(4);
      int offB = r.nextInt(4);
      int offC = r.nextInt(4);
      double[] a = random(r, offA + (ta ? k : m) * lda);
      double[] b = random(r, offB + (tb ? n : k) * ldb);
      double[] c = random(r, offC + m * ldc);
      double[] expected = c.clone();
      double alpha = 1.5;
      double beta = trial % 3 == 0 ? 0 : 0.5;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int q = 0; q < k; q++) {
            double av = ta ? a[offA + q * lda + i] : a[offA + i * lda + q];
            double bv = tb ? b[offB + j * ldb + q] : b[offB + q * ldb + j];
            s += av * bv;
          }
          int ci = offC + i * ldc + j;
          expected[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
        }
      }
      GemmPlan p =
          GemmPlan.columnMajor(
              m,
              n,
              k,
              new GemmOperand(null, offA, lda, 0, ta),
              new GemmOperand(null, offB, ldb, 0, tb),
              GemmOperand.of(null, offC, ldc));
      blasColumnMajor(p, alpha, b, offB, a, offA, beta, c, offC);
      for (int i = 0; i < c.length; i++) {
        assertEquals(expected[i], c[i], 1e-12, "trial " + trial + " index " + i);
      }
    }
  }

  /** Reference BLAS xGEMM semantics: column-major, op per flag, beta == 0 does not read C. */
  private static void blasColumnMajor(
      GemmPlan p,
      double alpha,
      double[] x,
      int offX,
      double[] y,
      int offY,
      double beta,
      double[] c,
      int offC) {
    int lda = p.first().ld();
    int ldb = p.second().ld();
    if (lda < Math.max(1, p.transFirst() ? p.k() : p.m())
        || ldb < Math.max(1, p.transSecond() ? p.n() : p.k())
        || p.ldc() < Math.max(1, p.m())) {
      throw new AssertionError("cuBLAS would reject the leading dimensions " + p);
    }
    for (int j = 0; j < p.n(); j++) {
      for (int i = 0; i < p.m(); i++) {
        double s = 0;
        for (int q = 0; q < p.k(); q++) {
          double xv = p.transFirst() ? x[offX + i * lda + q] : x[offX + q * lda + i];
          double yv = p.transSecond() ? y[offY + q * ldb + j] : y[offY + j * ldb + q];
          s += xv * yv;
        }
        int ci = offC + j * p.ldc() + i;
        c[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
      }
    }
  }

  private static double[] random(Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble() * 2 - 1;
    }
    return v;
  }

  @Test
  void leadingDimensionIsRaisedOnlyWhereUnused() {
    assertEquals(5, GemmPlan.leadingDimension(0, 1, 5), "one row: ld never used");
    assertEquals(1, GemmPlan.leadingDimension(0, 4, 0), "empty matrix");
    assertEquals(
        3,
        GemmPlan.leadingDimension(3, 4, 5),
        "too small for 4 rows: passed on for cuBLAS to reject");
    assertEquals(9, GemmPlan.leadingDimension(9, 4, 5));
  }

  @Test
  void builtInStridesFollowTheTransposeFlag() {
    assertEquals(7, GemmPlan.rowColStrides(new GemmOperand(null, 0, 7, 0, false))[0]);
    assertEquals(1, GemmPlan.rowColStrides(new GemmOperand(null, 0, 7, 0, false))[1]);
    assertEquals(1, GemmPlan.rowColStrides(new GemmOperand(null, 0, 7, 0, true))[0]);
    assertEquals(7, GemmPlan.rowColStrides(new GemmOperand(null, 0, 7, 0, true))[1]);
  }
}
