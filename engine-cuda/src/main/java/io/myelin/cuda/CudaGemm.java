package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.MatmulPrecision;

/**
 * GEMM on the device: cuBLAS when a library was found and its handle could be created, else the
 * built-in tiled SGEMM ({@code gemm.cu}). {@link #description()} says which, for {@code myelin
 * devices}. {@link MatmulPrecision#HIGH} switches cuBLAS to TF32 tensor-op math for float32; the
 * built-in kernels ignore the precision.
 *
 * <p>Thread-safe (the cuBLAS handle serialises its calls; kernel launches are independent).
 */
final class CudaGemm implements AutoCloseable {
  /** Tile edge of the float64 kernel. */
  private static final int TILE = 16;

  /** Block tile edge of the float32 kernel. */
  private static final int SGEMM_TILE = 128;

  private final CudaContext ctx;
  private final CublasLibrary library;
  private final CublasHandle cublas;
  private final String description;
  private volatile MatmulPrecision precision = MatmulPrecision.HIGHEST;

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
        text =
            "built-in tiled SGEMM ("
                + lookup.description()
                + " could not start: "
                + e.getMessage()
                + ")";
      }
    } else {
      text = "built-in tiled SGEMM (" + lookup.description() + ")";
    }
    this.library = handle == null ? null : lookup.library();
    this.cublas = handle;
    this.description = text;
  }

  /** "cuBLAS (...)" or "built-in tiled SGEMM (why)". */
  String description() {
    return description;
  }

  boolean usesCublas() {
    return cublas != null;
  }

  /** True when cuBLAS is used and can take a workspace of ours ({@link #useWorkspace}). */
  boolean acceptsWorkspace() {
    return cublas != null && library.setWorkspace != null;
  }

  /** Hands cuBLAS a workspace (see {@link CublasHandle#setWorkspace}); false when not taken. */
  boolean useWorkspace(long address, long bytes) {
    return cublas != null && cublas.setWorkspace(address, bytes);
  }

  /** Sets the float32 precision of later cuBLAS calls (the cuBLAS math mode). */
  void setPrecision(MatmulPrecision p) {
    if (cublas != null) {
      cublas.setMathMode(
          p == MatmulPrecision.HIGH ? CublasHandle.TF32_TENSOR_OP_MATH : CublasHandle.DEFAULT_MATH);
    }
    precision = p;
  }

  MatmulPrecision precision() {
    return precision;
  }

  /**
   * {@code C_i = alpha op(A_i) op(B_i) + beta C_i} for each batch entry; {@code a}, {@code b},
   * {@code c} are the device addresses of the operands' first elements.
   *
   * @param builtIn use the tiled kernel even when cuBLAS is available (tests, benchmarks)
   */
  void gemm(
      DType dt,
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      GemmOperand opA,
      long a,
      GemmOperand opB,
      long b,
      double beta,
      GemmOperand opC,
      long c,
      boolean builtIn) {
    if (batch == 0 || m == 0 || n == 0) {
      return;
    }
    if (cublas != null && !builtIn) {
      GemmPlan plan = GemmPlan.columnMajor(m, n, k, opA, opB, opC);
      try {
        // cuBLAS's first operand is the SPI's B (see GemmPlan).
        cublas.gemm(dt, batch, plan, alpha, b, a, beta, c, opC.batchStride());
      } catch (CudaException e) {
        ctx.enqueueFailed(e.getMessage());
        throw e;
      }
      ctx.countEnqueued();
      return;
    }
    builtIn(dt, batch, m, n, k, alpha, opA, a, opB, b, beta, opC, c, 0, GemmActivation.NONE);
  }

  /**
   * The built-in kernels: {@code sgemm_tiled_f32} (128 x 128 tiles, optional bias + activation
   * epilogue) for float32, {@code gemm_tiled_f64} (16 x 16, no epilogue) for float64.
   *
   * @param bias device address of {@code n} bias values added to every row, or 0
   */
  void builtIn(
      DType dt,
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      GemmOperand opA,
      long a,
      GemmOperand opB,
      long b,
      double beta,
      GemmOperand opC,
      long c,
      long bias,
      GemmActivation act) {
    if (batch == 0 || m == 0 || n == 0) {
      return;
    }
    KernelLaunch l = plan(dt, batch, m, n, k, alpha, opA, a, opB, b, beta, opC, c, bias, act);
    ctx.launch(l.kernel(), shape(dt, batch, m, n), l.args());
  }

  /** Grid and block of the built-in kernel for dtype {@code dt}. */
  static LaunchShape shape(DType dt, int batch, int m, int n) {
    int tile = dt == DType.FLOAT32 ? SGEMM_TILE : TILE;
    int tilesM = (m + tile - 1) / tile;
    if (tilesM > LaunchShape.MAX_GRID_YZ) {
      throw new IllegalArgumentException(
          "built-in GEMM supports m <= " + (long) LaunchShape.MAX_GRID_YZ * tile + ", got " + m);
    }
    int z = Math.min(batch, LaunchShape.MAX_GRID_YZ);
    return dt == DType.FLOAT32
        ? new LaunchShape((n + tile - 1) / tile, tilesM, z, 256, 1)
        : new LaunchShape((n + tile - 1) / tile, tilesM, z, TILE, TILE);
  }

  /** The kernel and its arguments (tests check them against gemm.cu without a GPU). */
  static KernelLaunch plan(
      DType dt,
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      GemmOperand opA,
      long a,
      GemmOperand opB,
      long b,
      double beta,
      GemmOperand opC,
      long c,
      long bias,
      GemmActivation act) {
    int[] as = GemmPlan.rowColStrides(opA);
    int[] bs = GemmPlan.rowColStrides(opB);
    if (dt == DType.FLOAT32) {
      return new KernelLaunch(
          "sgemm_tiled_f32",
          new KernelArgs()
              .i32(batch)
              .i32(m)
              .i32(n)
              .i32(k)
              .f32((float) alpha)
              .ptr(a)
              .i32(as[0])
              .i32(as[1])
              .i64(opA.batchStride())
              .ptr(b)
              .i32(bs[0])
              .i32(bs[1])
              .i64(opB.batchStride())
              .f32((float) beta)
              .ptr(c)
              .i32(opC.ld())
              .i64(opC.batchStride())
              .ptr(bias)
              .i32(act.ordinal()));
    }
    if (bias != 0 || act != GemmActivation.NONE) {
      throw new IllegalArgumentException("the fused bias + activation epilogue is float32 only");
    }
    return new KernelLaunch(
        "gemm_tiled_" + dt.shortName(),
        new KernelArgs()
            .i32(batch)
            .i32(m)
            .i32(n)
            .i32(k)
            .f64(alpha)
            .ptr(a)
            .i32(as[0])
            .i32(as[1])
            .i64(opA.batchStride())
            .ptr(b)
            .i32(bs[0])
            .i32(bs[1])
            .i64(opB.batchStride())
            .f64(beta)
            .ptr(c)
            .i32(opC.ld())
            .i64(opC.batchStride()));
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
