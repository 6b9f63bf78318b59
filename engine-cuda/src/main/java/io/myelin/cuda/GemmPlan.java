package io.myelin.cuda;

import io.myelin.backend.GemmOperand;

/**
 * Maps the SPI's row-major GEMM onto column-major cuBLAS.
 *
 * <p>A row-major matrix with leading dimension ld is, read column-major with the same ld, its
 * transpose. So {@code C = op(A) op(B)} (row-major) is {@code C^T = op(B)^T op(A)^T}
 * (column-major): call cuBLAS with the operands swapped, {@code m} and {@code n} swapped, and each
 * operand's transpose flag kept (an untransposed row-major B is already B^T to cuBLAS, which is
 * exactly what is needed). This is candle's {@code gemm_config} trick.
 *
 * @param transFirst cuBLAS transa, for the first operand (the SPI's B)
 * @param transSecond cuBLAS transb, for the second operand (the SPI's A)
 * @param m cuBLAS m (the SPI's n)
 * @param n cuBLAS n (the SPI's m)
 * @param k shared dimension
 * @param first the SPI's B with a leading dimension cuBLAS accepts
 * @param second the SPI's A likewise
 * @param ldc leading dimension of C
 */
record GemmPlan(
    boolean transFirst,
    boolean transSecond,
    int m,
    int n,
    int k,
    GemmOperand first,
    GemmOperand second,
    int ldc) {

  /** The cuBLAS call for the SPI call {@code C = alpha op(A) op(B) + beta C} (m x n x k). */
  static GemmPlan columnMajor(int m, int n, int k, GemmOperand a, GemmOperand b, GemmOperand c) {
    if (c.transposed()) {
      throw new IllegalArgumentException("gemm output must not be transposed");
    }
    // Stored shapes (rows x cols) of A and B as row-major matrices.
    int aRows = a.transposed() ? k : m;
    int aCols = a.transposed() ? m : k;
    int bRows = b.transposed() ? n : k;
    int bCols = b.transposed() ? k : n;
    return new GemmPlan(
        b.transposed(),
        a.transposed(),
        n,
        m,
        k,
        withLd(b, leadingDimension(b.ld(), bRows, bCols)),
        withLd(a, leadingDimension(a.ld(), aRows, aCols)),
        leadingDimension(c.ld(), m, n));
  }

  /**
   * A leading dimension cuBLAS accepts for a row-major {@code rows x cols} matrix stored with
   * {@code ld}: cuBLAS insists on {@code ld >= max(1, cols)} even where ld is never used (a single
   * row, an empty matrix), so there it is raised. A genuinely too small ld for several rows is the
   * caller's error and is passed on for cuBLAS to reject.
   */
  static int leadingDimension(int ld, int rows, int cols) {
    return rows <= 1 || cols == 0 ? Math.max(Math.max(ld, cols), 1) : ld;
  }

  private static GemmOperand withLd(GemmOperand o, int ld) {
    return new GemmOperand(o.storage(), o.offset(), ld, o.batchStride(), o.transposed());
  }

  /**
   * Row and column strides of op(X) for the built-in kernel: element (i, j) of op(X) is at {@code i
   * * result[0] + j * result[1]}.
   */
  static int[] rowColStrides(GemmOperand x) {
    return x.transposed() ? new int[] {1, x.ld()} : new int[] {x.ld(), 1};
  }
}
