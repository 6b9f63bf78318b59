package io.myelin.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import io.myelin.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One cuBLAS handle bound to the backend's stream, in the context current at creation (the device's
 * primary context, which the runtime-API library shares with the driver API).
 *
 * <p>Math mode starts as {@code CUBLAS_DEFAULT_MATH}: no TF32 for float32, so results stay within
 * the 1e-4 GEMM tolerance against the CPU; {@link #setMathMode} switches to TF32 tensor-op math
 * (MatmulPrecision.HIGH). Alpha and beta are passed from host memory (cuBLAS's default pointer mode
 * reads them before the call returns, also during a graph capture, where their values are fixed
 * into the graph). Thread-safe: calls are serialised, as a cuBLAS handle must not be used by two
 * threads at once.
 */
final class CublasHandle implements AutoCloseable {
  private static final int OP_N = 0;
  private static final int OP_T = 1;

  /** {@code CUBLAS_DEFAULT_MATH}: float32 GEMMs in full float32. */
  static final int DEFAULT_MATH = 0;

  /** {@code CUBLAS_TF32_TENSOR_OP_MATH}: float32 inputs rounded to TF32 on tensor cores. */
  static final int TF32_TENSOR_OP_MATH = 3;

  private final CublasLibrary lib;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment handle;
  private final MemorySegment alpha;
  private final MemorySegment beta;
  private boolean closed;

  /** Creates a handle in the current context and binds it to the stream {@code streamHandle}. */
  CublasHandle(CublasLibrary lib, long streamHandle) {
    this.lib = lib;
    MemorySegment created = null;
    try {
      MemorySegment out = arena.allocate(ADDRESS);
      CublasLibrary.check((int) lib.create.invokeExact(out), "cublasCreate_v2");
      created = out.get(ADDRESS, 0);
      CublasLibrary.check(
          (int) lib.setStream.invokeExact(created, MemorySegment.ofAddress(streamHandle)),
          "cublasSetStream_v2");
      CublasLibrary.check(
          (int) lib.setMathMode.invokeExact(created, DEFAULT_MATH), "cublasSetMathMode");
      alpha = arena.allocate(JAVA_DOUBLE);
      beta = arena.allocate(JAVA_DOUBLE);
    } catch (Throwable t) {
      // What was made goes back in reverse order: the handle (when cublasCreate succeeded), then
      // the arena; the first failure is the one reported.
      CudaException failure =
          t instanceof CudaException e
              ? e
              : new CudaException("cuBLAS initialisation failed: " + t);
      if (created != null) {
        try {
          int status = (int) lib.destroy.invokeExact(created);
          if (status != 0) {
            failure.addSuppressed(
                new CudaException(
                    "cublasDestroy_v2 after the failed set-up: "
                        + CublasLibrary.statusName(status)));
          }
        } catch (Throwable d) {
          failure.addSuppressed(d);
        }
      }
      arena.close();
      throw failure;
    }
    handle = created;
  }

  /** Sets the math mode ({@link #DEFAULT_MATH} or {@link #TF32_TENSOR_OP_MATH}) of later calls. */
  synchronized void setMathMode(int mode) {
    if (closed) {
      throw new IllegalStateException("cuBLAS handle closed");
    }
    try {
      CublasLibrary.check((int) lib.setMathMode.invokeExact(handle, mode), "cublasSetMathMode");
    } catch (CudaException e) {
      throw e;
    } catch (Throwable t) {
      throw new CudaException("cublasSetMathMode failed: " + t);
    }
  }

  /**
   * Gives cuBLAS {@code bytes} of device memory at {@code address} (256-byte aligned) as its
   * workspace, so that it allocates nothing itself, also inside a graph capture, where an
   * allocation of its own would be outside the graph's pool. Must follow {@code cublasSetStream},
   * which resets the workspace. The memory stays owned by the caller and must outlive the handle.
   *
   * @return false when the library has no {@code cublasSetWorkspace_v2} or refused the workspace
   *     (cuBLAS then keeps its default pool)
   */
  synchronized boolean setWorkspace(long address, long bytes) {
    if (closed || lib.setWorkspace == null) {
      return false;
    }
    try {
      return (int) lib.setWorkspace.invokeExact(handle, MemorySegment.ofAddress(address), bytes)
          == 0;
    } catch (Throwable t) {
      return false;
    }
  }

  /**
   * Runs {@code plan} on raw device addresses (each already at its operand's offset).
   *
   * @param batch number of matrices; 1 uses the plain GEMM, more the strided-batched one
   */
  synchronized void gemm(
      DType dtype,
      int batch,
      GemmPlan plan,
      double alphaValue,
      long first,
      long second,
      double betaValue,
      long c,
      long strideC) {
    if (closed) {
      throw new IllegalStateException("cuBLAS handle closed");
    }
    boolean f32 = dtype == DType.FLOAT32;
    if (f32) {
      alpha.set(JAVA_FLOAT, 0, (float) alphaValue);
      beta.set(JAVA_FLOAT, 0, (float) betaValue);
    } else {
      alpha.set(JAVA_DOUBLE, 0, alphaValue);
      beta.set(JAVA_DOUBLE, 0, betaValue);
    }
    int ta = plan.transFirst() ? OP_T : OP_N;
    int tb = plan.transSecond() ? OP_T : OP_N;
    MemorySegment pa = MemorySegment.ofAddress(first);
    MemorySegment pb = MemorySegment.ofAddress(second);
    MemorySegment pc = MemorySegment.ofAddress(c);
    int lda = plan.first().ld();
    int ldb = plan.second().ld();
    try {
      int status;
      if (batch == 1) {
        var mh = f32 ? lib.sgemm : lib.dgemm;
        status =
            (int)
                mh.invokeExact(
                    handle,
                    ta,
                    tb,
                    plan.m(),
                    plan.n(),
                    plan.k(),
                    alpha,
                    pa,
                    lda,
                    pb,
                    ldb,
                    beta,
                    pc,
                    plan.ldc());
      } else {
        var mh = f32 ? lib.sgemmStridedBatched : lib.dgemmStridedBatched;
        status =
            (int)
                mh.invokeExact(
                    handle,
                    ta,
                    tb,
                    plan.m(),
                    plan.n(),
                    plan.k(),
                    alpha,
                    pa,
                    lda,
                    (long) plan.first().batchStride(),
                    pb,
                    ldb,
                    (long) plan.second().batchStride(),
                    beta,
                    pc,
                    plan.ldc(),
                    strideC,
                    batch);
      }
      CublasLibrary.check(status, f32 ? "cublasSgemm" : "cublasDgemm");
    } catch (CudaException e) {
      throw e;
    } catch (Throwable t) {
      throw new CudaException("cuBLAS GEMM call failed: " + t);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      CublasLibrary.check((int) lib.destroy.invokeExact(handle), "cublasDestroy_v2");
    } catch (CudaException e) {
      throw e;
    } catch (Throwable t) {
      throw new CudaException("cublasDestroy_v2 failed: " + t);
    } finally {
      arena.close();
    }
  }
}
