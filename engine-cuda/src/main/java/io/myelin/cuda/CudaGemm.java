package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;

/**
 * GEMM on the device: cuBLAS when a library was found and its handle could be created, else the
 * built-in tiled kernel ({@code gemm.cu}). {@link #description()} says which, for {@code myelin
 * devices}.
 *
 * <p>Thread-safe (the cuBLAS handle serialises its calls; kernel launches are independent).
 */
final class CudaGemm implements AutoCloseable {
  private static final int TILE = 16;

  private final CudaContext ctx;
  private final CublasLibrary library;
  private final CublasHandle cublas;
  private final String description;

  /** Takes ownership of {@code lookup}'s library. The context is current on the calling thread. */
  CudaGemm(CudaContext ctx, CublasLibrary.Lookup lookup) {
    this.ctx = ctx;
    CublasHandle handle = null;
    String text;
    if (lookup.found()) {
      try {
        handle = new CublasHandle(lookup.library(), ctx.stream().handle());
        text = lookup.description();
      } catch (RuntimeException e) {
        lookup.library().close();
        text = "built-in tiled kernel (" + lookup.description() + " could not start: " + e.getMessage() + ")";
      }
    } else {
      text = "built-in tiled kernel (" + lookup.description() + ")";
    }
    this.library = handle == null ? null : lookup.library();
    this.cublas = handle;
    this.description = text;
  }

  /** "cuBLAS (...)" or "built-in tiled kernel (why)". */
  String description() {
    return description;
  }

  boolean usesCublas() {
    return cublas != null;
  }

  /**
   * {@code C_i = alpha op(A_i) op(B_i) + beta C_i} for each batch entry; {@code a}, {@code b},
   * {@code c} are the device addresses of the operands' first elements.
   *
   * @param builtIn use the tiled kernel even when cuBLAS is available (tests, benchmarks)
   */
  void gemm(DType dt, int batch, int m, int n, int k, double alpha, GemmOperand opA, long a,
      GemmOperand opB, long b, double beta, GemmOperand opC, long c, boolean builtIn) {
    if (batch == 0 || m == 0 || n == 0) {
      return;
    }
    if (cublas != null && !builtIn) {
      GemmPlan plan = GemmPlan.columnMajor(m, n, k, opA, opB, opC);
      // cuBLAS's first operand is the SPI's B (see GemmPlan).
      cublas.gemm(dt, batch, plan, alpha, b, a, beta, c, opC.batchStride());
      return;
    }
    int tilesM = (m + TILE - 1) / TILE;
    if (tilesM > LaunchShape.MAX_GRID_YZ) {
      throw new IllegalArgumentException("built-in GEMM supports m <= " + LaunchShape.MAX_GRID_YZ * TILE
          + ", got " + m);
    }
    int[] as = GemmPlan.rowColStrides(opA);
    int[] bs = GemmPlan.rowColStrides(opB);
    KernelArgs args = new KernelArgs().i32(batch).i32(m).i32(n).i32(k).f64(alpha)
        .ptr(a).i32(as[0]).i32(as[1]).i64(opA.batchStride())
        .ptr(b).i32(bs[0]).i32(bs[1]).i64(opB.batchStride())
        .f64(beta).ptr(c).i32(opC.ld()).i64(opC.batchStride());
    LaunchShape shape = new LaunchShape((n + TILE - 1) / TILE, tilesM,
        Math.min(batch, LaunchShape.MAX_GRID_YZ), TILE, TILE);
    ctx.launch("gemm_tiled_" + dt.shortName(), shape, args);
  }

  @Override
  public void close() {
    if (cublas != null) {
      try {
        cublas.close();
      } finally {
        library.close();
      }
    }
  }
}
