package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Layout;
import io.myelin.backend.Backend;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.CapturedGraph;
import io.myelin.backend.ConvGeometry;
import io.myelin.backend.CrossEntropyOptions;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.MatmulPrecision;
import io.myelin.backend.MemoryStats;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.PoolGeometry;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import java.util.Objects;

/**
 * The {@link Backend} of one NVIDIA GPU: the device's primary context and one stream, a caching
 * allocator, pinned staging for host copies, the kernels of myelin-kernels and cuBLAS (or the
 * built-in GEMM).
 *
 * <p>Every call is enqueued on the stream and returns at once; only {@link #copyToHost} and {@link
 * #synchronize} wait. Kernel faults therefore surface at the next synchronising call. Arguments
 * arrive validated on the host (dtypes, ownership, bounds, aliasing: {@link
 * io.myelin.backend.CheckedBackend}, the only view callers get), which matters most here: an
 * out-of-bounds device write corrupts memory silently. What stays here is the cast of each storage
 * to this backend's class ({@link #own}), which refuses any other.
 *
 * <h2>Graphs</h2>
 *
 * {@link #beginCapture} puts the stream into CUDA stream capture ({@link CudaGraph}): until {@link
 * #endCapture}, the calls of the capturing thread are recorded, not run; storage it allocates is
 * reserved for the graph ({@link CachingAllocator}'s graph pools); host arrays it copies to the
 * device are snapshotted into pinned memory of the graph's; host reads are refused. cuBLAS gets a
 * {@value #CUBLAS_WORKSPACE_BYTES}-byte workspace of ours at start-up (counted in {@link
 * #memoryStats}) so that it never allocates inside a capture, and so that eager and captured GEMMs
 * pick the same algorithms and give the same bits.
 *
 * <p>Thread-safe: any thread may call; each call makes the context current on its thread. While a
 * capture runs, calls of other threads wait until it ends ({@link CudaCaptures}); releasing storage
 * never waits. A capturing thread that waits for another thread's backend work before {@link
 * #endCapture} therefore deadlocks.
 */
public final class CudaBackend implements Backend {
  /** Bytes of the cuBLAS workspace (what cuBLAS recommends for Hopper; enough for older GPUs). */
  static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;

  private final Device device;
  private final CudaContext ctx;
  private final CachingAllocator allocator;
  private final PinnedStaging staging;
  private final CudaKernels kernels;
  private final CudaGemm gemm;
  private final CudaOptimizerKernels optimizers;
  private final CudaFusedKernels fused;
  private final CudaConvKernels conv;

  /** cuBLAS's workspace, or null (no cuBLAS, or it took none: it then uses its own pool). */
  private final CachingAllocator.Block cublasWorkspace;

  private final CudaCaptures captures;

  CudaBackend(int index, KernelBundle bundle, CublasLibrary.Lookup cublas) {
    this.device = Device.cuda(index);
    this.ctx = new CudaContext(index, bundle);
    // A failure midway releases what was made, newest first, as close() would (it leaked the
    // pinned staging, the cuBLAS handle and the pools before).
    Unwind made = new Unwind();
    made.push(ctx::close);
    try {
      this.allocator = new CachingAllocator(new DriverMemory(), device.toString());
      made.push(allocator::close);
      this.staging = new PinnedStaging(ctx.stream());
      made.push(staging::close);
      this.kernels = new CudaKernels(ctx);
      this.conv = new CudaConvKernels(ctx);
      this.gemm = new CudaGemm(ctx, cublas);
      made.push(gemm::close);
      this.optimizers = new CudaOptimizerKernels(ctx);
      this.fused = new CudaFusedKernels(ctx.maxBlocks());
      this.cublasWorkspace = cublasWorkspace(gemm, allocator);
      this.captures = new CudaCaptures(ctx, allocator, device.toString());
    } catch (Throwable e) {
      made.unwind(e);
      throw e;
    }
  }

  @Override
  public Device device() {
    return device;
  }

  /** Allocates cuBLAS's workspace and hands it over; null (silently) when that is not possible. */
  private static CachingAllocator.Block cublasWorkspace(CudaGemm gemm, CachingAllocator allocator) {
    if (!gemm.acceptsWorkspace()) {
      return null;
    }
    CachingAllocator.Block b;
    try {
      b = allocator.allocate(CUBLAS_WORKSPACE_BYTES);
    } catch (DeviceOutOfMemoryException e) {
      return null;
    }
    if (gemm.useWorkspace(b.address(), b.size())) {
      return b;
    }
    allocator.free(b);
    return null;
  }

  @Override
  public String description() {
    String precision = "";
    if (gemm.precision() == MatmulPrecision.HIGH) {
      precision =
          gemm.usesCublas()
              ? ", TF32 tensor-op math for float32 (matmul precision HIGH)"
              : " (matmul precision HIGH has no effect on the built-in kernel)";
    }
    return ctx.name()
        + ", "
        + MemoryText.bytes(ctx.totalMemory())
        + ", compute capability "
        + ctx.computeCapability()
        + ", "
        + ctx.multiprocessors()
        + " SMs; GEMM: "
        + gemm.description()
        + precision;
  }

  // ---- memory ---------------------------------------------------------------------------------

  @Override
  public Storage allocate(DType dtype, int length) {
    try (CudaCaptures.Call ignored = enter()) {
      var block = allocator.allocate((long) length * dtype.byteSize());
      return new CudaStorage(this, dtype, length, allocator, block);
    }
  }

  @Override
  public void copyFromHost(Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage d = own(dst);
      if (length == 0) {
        return;
      }
      CudaGraph g = captures.running();
      if (g != null) {
        // Recorded from a snapshot of the array's values now (see CudaGraph#copyFromHost).
        g.copyFromHost(src, srcOffset, d.dtype(), d.address(dstOffset), length);
        return;
      }
      staging.toDevice(src, srcOffset, d.dtype(), d.address(dstOffset), length);
    }
  }

  /**
   * The transfer runs on a second stream ({@link PinnedStaging#toDeviceAhead}): after the work
   * issued so far, alongside the work issued next; the first later call naming {@code dst} makes
   * the stream wait for it. During a capture it is {@link #copyFromHost}.
   */
  @Override
  public void copyFromHostAhead(Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    try (CudaCaptures.Call ignored = enter()) {
      if (captures.running() != null) {
        copyFromHost(src, srcOffset, dst, dstOffset, length);
        return;
      }
      CudaStorage d = own(dst);
      if (length == 0) {
        return;
      }
      var ready = staging.toDeviceAhead(src, srcOffset, d.dtype(), d.address(dstOffset), length);
      d.uploading(ready, uploadEpoch.get());
      uploadedAhead = true;
    }
  }

  /** Set by the first {@link #copyFromHostAhead}; until then replays need no wait. */
  private volatile boolean uploadedAhead;

  /**
   * Before a graph replay (outside any capture): the stream waits for every copy-stream upload
   * issued so far, because the graph reads storages without a call naming them first (which is
   * where {@link #own} orders the first use after an upload). Storages keep their pending marks: a
   * later call naming one waits on an event that has passed, which costs nothing.
   */
  void awaitUploadsBeforeReplay() {
    if (uploadedAhead) {
      staging.awaitAhead();
    }
  }

  /**
   * Before a capture starts: the stream waits for every copy-stream upload, and storages still
   * marked with one of them stop asking (waiting on an event from outside a capture inside it would
   * invalidate the capture).
   */
  void drainUploadsBeforeCapture() {
    staging.awaitAhead();
    drainedEpoch = uploadEpoch.incrementAndGet();
  }

  /**
   * Waits on the host for a copy-stream upload of epoch {@code epoch} (a storage freed before its
   * first use). Not for an upload a capture's drain covered: the compute stream already waits for
   * it ahead of all later work, and this may run on the capturing thread inside the capture, where
   * cuEventSynchronize is prohibited and would invalidate it. Not after close either: the event is
   * destroyed (the memory is gone too).
   */
  void awaitUpload(jcuda.driver.CUevent e, long epoch) {
    if (epoch < drainedEpoch || ctx.isClosed()) {
      return;
    }
    ctx.makeCurrent();
    Driver.check(jcuda.driver.JCudaDriver.cuEventSynchronize(e), "cuEventSynchronize(upload)");
  }

  private final java.util.concurrent.atomic.AtomicLong uploadEpoch =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile long drainedEpoch;

  @Override
  public void copyToHost(Storage src, int srcOffset, Object dst, int dstOffset, int length) {
    try (CudaCaptures.Call ignored = enter()) {
      captures.refuseHostRead("copyToHost");
      CudaStorage s = own(src);
      if (length == 0) {
        ctx.synchronize(); // still a read: earlier work must be visible to the caller
        return;
      }
      staging.toHost(s.address(srcOffset), s.dtype(), dst, dstOffset, length);
    }
  }

  @Override
  public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage s = own(src);
      CudaStorage d = own(dst);
      int n = dstLayout.size();
      if (n == 0) {
        return;
      }
      if (s.dtype() == d.dtype() && srcLayout.isContiguous() && dstLayout.isContiguous()) {
        ctx.enqueued(
            cuMemcpyDtoDAsync(
                DevicePointer.at(d.address(dstLayout.offset())),
                DevicePointer.at(s.address(srcLayout.offset())),
                (long) n * s.dtype().byteSize(),
                ctx.stream()),
            "cuMemcpyDtoDAsync");
        return;
      }
      int[] desc =
          StridedDescriptor.pack(dstLayout.shape(), srcLayout.strides(), dstLayout.strides());
      kernels.copy(
          s.dtype(),
          d.dtype(),
          desc,
          n,
          s.address(srcLayout.offset()),
          d.address(dstLayout.offset()));
    }
  }

  @Override
  public void fill(Storage dst, Layout layout, double value) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage d = own(dst);
      int n = layout.size();
      if (n == 0) {
        return;
      }
      kernels.fill(
          d.dtype(),
          StridedDescriptor.pack(layout.shape(), layout.strides()),
          n,
          d.address(layout.offset()),
          value);
    }
  }

  // ---- random ---------------------------------------------------------------------------------

  @Override
  public void randomUniform(
      Storage dst, int offset, int length, long seed, long blockCounter, double low, double high) {
    random(false, dst, offset, length, seed, blockCounter, low, high);
  }

  @Override
  public void randomNormal(
      Storage dst, int offset, int length, long seed, long blockCounter, double mean, double std) {
    random(true, dst, offset, length, seed, blockCounter, mean, std);
  }

  private void random(
      boolean normal,
      Storage dst,
      int offset,
      int length,
      long seed,
      long counter,
      double p,
      double q) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage d = own(dst);
      if (length == 0) {
        return;
      }
      kernels.random(normal, d.dtype(), d.address(offset), length, seed, counter, p, q);
    }
  }

  /** The raw Philox words of {@code blocks} blocks into an INT32 storage (for bit-exact tests). */
  void philoxWords(Storage dst, long blocks, long seed, long counter) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage d = own(dst);
      if (d.dtype() != DType.INT32 || blocks * 4 > d.length()) {
        throw new IllegalArgumentException(
            "philoxWords needs an INT32 storage of 4 * blocks elements");
      }
      kernels.philoxWords(d.address(0), blocks, seed, counter);
    }
  }

  // ---- GEMM -----------------------------------------------------------------------------------

  @Override
  public void gemm(
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      GemmOperand a,
      GemmOperand b,
      double beta,
      GemmOperand c) {
    gemm(batch, m, n, k, alpha, a, b, beta, c, false);
  }

  /** {@link #gemm} with a choice of the built-in kernel even when cuBLAS is present. */
  void gemm(
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      GemmOperand a,
      GemmOperand b,
      double beta,
      GemmOperand c,
      boolean builtIn) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sa = own(a.storage());
      CudaStorage sb = own(b.storage());
      CudaStorage sc = own(c.storage());
      gemm.gemm(
          sa.dtype(),
          batch,
          m,
          n,
          k,
          alpha,
          a,
          sa.address(a.offset()),
          b,
          sb.address(b.offset()),
          beta,
          c,
          sc.address(c.offset()),
          builtIn);
    }
  }

  /**
   * Float32 GEMM with a fused epilogue on the built-in kernel: {@code C_i = act(alpha op(A_i)
   * op(B_i) + beta C_i + bias)}, {@code bias} ({@code n} elements from {@code biasOffset}, or null)
   * added to every row of each {@code C_i}. The linear + bias + activation forward in one launch;
   * not part of the SPI (the CPU composes the same from gemm, binary and unary), and not checked by
   * {@link io.myelin.backend.CheckedBackend}: package-private, for its tests and benchmarks, which
   * pass valid operands; only the float32 dtype and the bias run are checked.
   */
  void gemmBiasActivation(
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      GemmOperand a,
      GemmOperand b,
      double beta,
      GemmOperand c,
      Storage bias,
      int biasOffset,
      GemmActivation act) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sa = own(a.storage());
      CudaStorage sb = own(b.storage());
      CudaStorage sc = own(c.storage());
      if (sa.dtype() != DType.FLOAT32
          || sb.dtype() != DType.FLOAT32
          || sc.dtype() != DType.FLOAT32
          || c.transposed()) {
        throw new IllegalArgumentException(
            "gemmBiasActivation: float32 operands, C not transposed");
      }
      long biasAddress = 0;
      if (bias != null) {
        CudaStorage sbias = own(bias);
        if (sbias.dtype() != DType.FLOAT32
            || biasOffset < 0
            || (long) biasOffset + n > sbias.length()) {
          throw new IllegalArgumentException(
              "gemmBiasActivation: bias needs " + n + " float32 elements from " + biasOffset);
        }
        biasAddress = sbias.address(biasOffset);
      }
      gemm.builtIn(
          DType.FLOAT32,
          batch,
          m,
          n,
          k,
          alpha,
          a,
          sa.address(a.offset()),
          b,
          sb.address(b.offset()),
          beta,
          c,
          sc.address(c.offset()),
          biasAddress,
          act);
    }
  }

  /** The context (for benchmarks and tests that time with events). */
  CudaContext context() {
    return ctx;
  }

  /** Which GEMM runs: "cuBLAS (...)" or "built-in tiled SGEMM (why)". */
  public String gemmPath() {
    return gemm.description();
  }

  // ---- element-wise -------------------------------------------------------------------------

  @Override
  public void unary(
      UnaryOp op, double a, double b, Storage x, Layout xLayout, Storage y, Layout yLayout) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sx = own(x);
      CudaStorage sy = own(y);
      int n = yLayout.size();
      if (n == 0) {
        return;
      }
      kernels.unary(
          op,
          sx.dtype(),
          a,
          b,
          StridedDescriptor.pack(yLayout.shape(), xLayout.strides(), yLayout.strides()),
          n,
          sx.address(xLayout.offset()),
          sy.address(yLayout.offset()));
    }
  }

  @Override
  public void unaryBackward(
      UnaryOp op,
      double a,
      double b,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int n) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sx = own(x);
      CudaStorage sy = own(y);
      CudaStorage sgy = own(gy);
      CudaStorage sgx = own(gx);
      if (n == 0) {
        return;
      }
      kernels.unaryBackward(
          op,
          sx.dtype(),
          a,
          b,
          n,
          sx.address(xOffset),
          sy.address(yOffset),
          sgy.address(gyOffset),
          sgx.address(gxOffset));
    }
  }

  @Override
  public void binary(
      BinaryOp op,
      Storage x,
      Layout xLayout,
      Storage y,
      Layout yLayout,
      Storage out,
      Layout outLayout) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sx = own(x);
      CudaStorage sy = own(y);
      CudaStorage so = own(out);
      int n = outLayout.size();
      if (n == 0) {
        return;
      }
      kernels.binary(
          op,
          sx.dtype(),
          StridedDescriptor.pack(
              outLayout.shape(), xLayout.strides(), yLayout.strides(), outLayout.strides()),
          n,
          sx.address(xLayout.offset()),
          sy.address(yLayout.offset()),
          so.address(outLayout.offset()));
    }
  }

  @Override
  public void where(
      Storage cond,
      Layout condLayout,
      Storage x,
      Layout xLayout,
      Storage y,
      Layout yLayout,
      Storage out,
      Layout outLayout) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sc = own(cond);
      CudaStorage sx = own(x);
      CudaStorage sy = own(y);
      CudaStorage so = own(out);
      int n = outLayout.size();
      if (n == 0) {
        return;
      }
      kernels.where(
          sx.dtype(),
          StridedDescriptor.pack(
              outLayout.shape(),
              condLayout.strides(),
              xLayout.strides(),
              yLayout.strides(),
              outLayout.strides()),
          n,
          sc.address(condLayout.offset()),
          sx.address(xLayout.offset()),
          sy.address(yLayout.offset()),
          so.address(outLayout.offset()));
    }
  }

  // ---- reductions and softmax ---------------------------------------------------------------

  @Override
  public void reduce(
      ReduceOp op,
      Storage x,
      int xOffset,
      int outer,
      int reduced,
      int inner,
      Storage out,
      int outOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sx = own(x);
      CudaStorage so = own(out);
      if (outer == 0 || inner == 0) {
        return;
      }
      kernels.reduce(
          op, sx.dtype(), outer, reduced, inner, sx.address(xOffset), so.address(outOffset));
    }
  }

  @Override
  public void softmax(
      boolean log, Storage x, int xOffset, int rows, int cols, Storage y, int yOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sx = own(x);
      CudaStorage sy = own(y);
      if (rows == 0 || cols == 0) {
        return;
      }
      kernels.softmax(log, sx.dtype(), rows, cols, sx.address(xOffset), sy.address(yOffset));
    }
  }

  @Override
  public void softmaxBackward(
      boolean log,
      Storage y,
      int yOffset,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int rows,
      int cols) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage sy = own(y);
      CudaStorage sgy = own(gy);
      CudaStorage sgx = own(gx);
      if (rows == 0 || cols == 0) {
        return;
      }
      kernels.softmaxBackward(
          log,
          sy.dtype(),
          rows,
          cols,
          sy.address(yOffset),
          sgy.address(gyOffset),
          sgx.address(gxOffset));
    }
  }

  // ---- fused loss, normalisation and dropout ------------------------------------------------

  private void launch(CudaFusedKernels.Launch l) {
    ctx.launch(l.kernel(), l.shape(), l.args());
  }

  /** The device address of {@code s} at {@code offset}, or 0 for an absent operand. */
  private long at(Storage s, int offset) {
    return s == null ? 0 : own(s).address(offset);
  }

  @Override
  public void crossEntropy(
      CrossEntropyOptions o,
      Storage logits,
      int logitsOffset,
      Storage target,
      int targetOffset,
      Storage weight,
      Storage loss,
      int lossOffset,
      Storage total,
      int totalOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = logits.dtype();
      ownAll(logits, target, weight, loss, total);
      long labels = o.probabilityTargets() ? 0 : at(target, targetOffset);
      long probs = o.probabilityTargets() ? at(target, targetOffset) : 0;
      if (total == null) {
        launch(
            fused.crossEntropy(
                o,
                dt,
                at(logits, logitsOffset),
                labels,
                probs,
                at(weight, 0),
                at(loss, lossOffset),
                0));
        return;
      }
      // The per-row denominators live only between the two launches: stream order makes the
      // released block safe to hand out again.
      Storage den = allocate(dt, Math.max(1, o.rows()));
      try {
        launch(
            fused.crossEntropy(
                o,
                dt,
                at(logits, logitsOffset),
                labels,
                probs,
                at(weight, 0),
                at(loss, lossOffset),
                at(den, 0)));
        launch(
            fused.crossEntropyTotal(
                o, dt, at(loss, lossOffset), at(den, 0), at(total, totalOffset)));
      } finally {
        den.release();
      }
    }
  }

  @Override
  public void crossEntropyBackward(
      CrossEntropyOptions o,
      Storage logits,
      int logitsOffset,
      Storage target,
      int targetOffset,
      Storage weight,
      Storage gradOut,
      int gradOutOffset,
      boolean perRow,
      Storage total,
      int totalOffset,
      Storage gradLogits,
      int gradLogitsOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = logits.dtype();
      ownAll(logits, target, weight, gradOut, total, gradLogits);
      if (o.rows() == 0) {
        return;
      }
      long labels = o.probabilityTargets() ? 0 : at(target, targetOffset);
      long probs = o.probabilityTargets() ? at(target, targetOffset) : 0;
      launch(
          fused.crossEntropyBackward(
              o,
              dt,
              at(logits, logitsOffset),
              labels,
              probs,
              at(weight, 0),
              at(gradOut, gradOutOffset),
              perRow,
              o.mean() ? at(total, totalOffset) : 0,
              at(gradLogits, gradLogitsOffset)));
    }
  }

  @Override
  public void batchNorm(
      BatchNormOptions o,
      Storage x,
      int xOffset,
      Storage gamma,
      Storage beta,
      Storage runningMean,
      Storage runningVar,
      Storage saveMean,
      Storage saveInvStd,
      Storage y,
      int yOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype();
      ownAll(x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, y);
      launch(
          fused.batchNorm(
              o,
              dt,
              at(x, xOffset),
              at(gamma, 0),
              at(beta, 0),
              at(runningMean, 0),
              at(runningVar, 0),
              at(saveMean, 0),
              at(saveInvStd, 0),
              at(y, yOffset)));
    }
  }

  @Override
  public void batchNormBackward(
      BatchNormOptions o,
      Storage x,
      int xOffset,
      Storage gy,
      int gyOffset,
      Storage gamma,
      Storage saveMean,
      Storage saveInvStd,
      Storage gx,
      int gxOffset,
      Storage gGamma,
      Storage gBeta) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype();
      ownAll(x, gy, gamma, saveMean, saveInvStd, gx, gGamma, gBeta);
      if (gx == null && gGamma == null && gBeta == null) {
        return;
      }
      launch(
          fused.batchNormBackward(
              o,
              dt,
              at(x, xOffset),
              at(gy, gyOffset),
              at(gamma, 0),
              at(saveMean, 0),
              at(saveInvStd, 0),
              at(gx, gxOffset),
              at(gGamma, 0),
              at(gBeta, 0)));
    }
  }

  @Override
  public void layerNorm(
      int rows,
      int cols,
      double eps,
      Storage x,
      int xOffset,
      Storage gamma,
      Storage beta,
      Storage saveMean,
      Storage saveInvStd,
      Storage y,
      int yOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype();
      ownAll(x, gamma, beta, saveMean, saveInvStd, y);
      if (rows == 0) {
        return;
      }
      launch(
          fused.layerNorm(
              rows,
              cols,
              eps,
              dt,
              at(x, xOffset),
              at(gamma, 0),
              at(beta, 0),
              at(saveMean, 0),
              at(saveInvStd, 0),
              at(y, yOffset)));
    }
  }

  @Override
  public void layerNormBackward(
      int rows,
      int cols,
      Storage x,
      int xOffset,
      Storage gy,
      int gyOffset,
      Storage gamma,
      Storage saveMean,
      Storage saveInvStd,
      Storage gx,
      int gxOffset,
      Storage gGamma,
      Storage gBeta) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype();
      ownAll(x, gy, gamma, saveMean, saveInvStd, gx, gGamma, gBeta);
      if (gx != null && rows > 0) {
        launch(
            fused.layerNormBackwardRows(
                rows,
                cols,
                dt,
                at(x, xOffset),
                at(gy, gyOffset),
                at(gamma, 0),
                at(saveMean, 0),
                at(saveInvStd, 0),
                at(gx, gxOffset)));
      }
      if (gGamma != null || gBeta != null) {
        // rows == 0 still writes zeros: the sums over no rows.
        launch(
            fused.layerNormBackwardColumns(
                rows,
                cols,
                dt,
                at(x, xOffset),
                at(gy, gyOffset),
                at(saveMean, 0),
                at(saveInvStd, 0),
                at(gGamma, 0),
                at(gBeta, 0)));
      }
    }
  }

  @Override
  public void dropout(
      double p,
      long seed,
      long blockCounter,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      int n) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype();
      ownAll(x, y);
      if (n == 0) {
        return;
      }
      launch(fused.dropout(p, seed, blockCounter, dt, at(x, xOffset), at(y, yOffset), n));
    }
  }

  @Override
  public void dropoutCounted(
      double p,
      long seed,
      Storage counter,
      int counterOffset,
      long counterAdd,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      int n) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype(); // arguments checked by CheckedBackend (FusedArguments.dropoutCounted)
      ownAll(x, y, counter);
      if (n == 0) {
        return;
      }
      launch(
          fused.dropoutCounted(
              p,
              seed,
              at(counter, counterOffset),
              counterAdd,
              dt,
              at(x, xOffset),
              at(y, yOffset),
              n));
    }
  }

  @Override
  public void dropoutBackward(
      double p,
      long seed,
      long blockCounter,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int n) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = gy.dtype();
      ownAll(gy, gx);
      if (n == 0) {
        return;
      }
      launch(fused.dropout(p, seed, blockCounter, dt, at(gy, gyOffset), at(gx, gxOffset), n));
    }
  }

  private void ownAll(Storage... storages) {
    for (Storage s : storages) {
      if (s != null) {
        own(s);
      }
    }
  }

  // ---- optimizers -----------------------------------------------------------------------------

  /**
   * The fused update of {@code optim.cu}; the step scalars are read by the kernel from {@code
   * scalars} when it runs (so a captured update applies the step written there before each replay).
   * The {@code long step} form is the interface's default: it uploads the scalars of that step into
   * a temporary storage and calls this.
   */
  @Override
  public void optimizerUpdate(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      Storage scalars,
      int scalarsOffset,
      Storage param,
      int paramOffset,
      Storage grad,
      int gradOffset,
      Storage[] state,
      int n) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage ps = own(param);
      CudaStorage gs = own(grad);
      CudaStorage cs = own(scalars);
      long[] addresses = new long[state.length];
      for (int i = 0; i < state.length; i++) {
        if (state[i] == null) {
          continue;
        }
        CudaStorage ss = own(state[i]);
        // An unused slot is never dereferenced; pass 0 so a kernel bug faults instead of
        // corrupting.
        addresses[i] = kind.usesState(i, h) ? ss.address(0) : 0;
      }
      if (n == 0) {
        return;
      }
      optimizers.update(
          kind,
          h,
          ps.dtype(),
          n,
          ps.address(paramOffset),
          gs.address(gradOffset),
          addresses,
          cs.address(scalarsOffset));
    }
  }

  // ---- data -----------------------------------------------------------------------------------

  /**
   * Checked on the host as on the CPU, except the index values, which live on the device: a row
   * whose index lies outside [0, srcRows) is not written (it keeps what it held); nothing is read
   * out of bounds. Callers that need the error validate indices on the host.
   */
  @Override
  public void gatherRows(
      Storage src,
      int srcOffset,
      int srcRows,
      int rowLength,
      Storage indices,
      int indicesOffset,
      int rows,
      Storage dst,
      int dstOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      CudaStorage ss = own(src);
      CudaStorage ds = own(dst);
      CudaStorage is = own(indices);
      if (rows == 0 || rowLength == 0) {
        return;
      }
      kernels.gatherRows(
          ss.dtype().byteSize(),
          ss.address(srcOffset),
          srcRows,
          rowLength,
          is.address(indicesOffset),
          rows,
          ds.address(dstOffset));
    }
  }

  // ---- convolution and pooling (conv.cu, pool.cu) -------------------------------------------

  @Override
  public void im2col(
      ConvGeometry g, int images, Storage x, int xOffset, Storage cols, int colsOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype(); // arguments checked by CheckedBackend (ConvArguments)
      conv.im2col(dt, g, images, own(x).address(xOffset), own(cols).address(colsOffset));
    }
  }

  @Override
  public void col2im(
      ConvGeometry g, int images, Storage cols, int colsOffset, Storage x, int xOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype(); // arguments checked by CheckedBackend (ConvArguments)
      conv.col2im(dt, g, images, own(cols).address(colsOffset), own(x).address(xOffset));
    }
  }

  @Override
  public void maxPool2d(
      PoolGeometry g,
      int planes,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      Storage indices,
      int indicesOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype(); // arguments checked by CheckedBackend (ConvArguments)
      conv.maxPool2d(
          dt,
          g,
          planes,
          own(x).address(xOffset),
          own(y).address(yOffset),
          own(indices).address(indicesOffset));
    }
  }

  @Override
  public void maxPool2dBackward(
      PoolGeometry g,
      int planes,
      Storage gy,
      int gyOffset,
      Storage indices,
      int indicesOffset,
      Storage gx,
      int gxOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = gx.dtype(); // arguments checked by CheckedBackend (ConvArguments)
      conv.maxPool2dBackward(
          dt,
          g,
          planes,
          own(gy).address(gyOffset),
          own(indices).address(indicesOffset),
          own(gx).address(gxOffset));
    }
  }

  @Override
  public void avgPool2d(
      PoolGeometry g, int planes, Storage x, int xOffset, Storage y, int yOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = x.dtype(); // arguments checked by CheckedBackend (ConvArguments)
      conv.avgPool2d(dt, g, planes, own(x).address(xOffset), own(y).address(yOffset));
    }
  }

  @Override
  public void avgPool2dBackward(
      PoolGeometry g, int planes, Storage gy, int gyOffset, Storage gx, int gxOffset) {
    try (CudaCaptures.Call ignored = enter()) {
      DType dt = gx.dtype(); // arguments checked by CheckedBackend (ConvArguments)
      conv.avgPool2dBackward(dt, g, planes, own(gy).address(gyOffset), own(gx).address(gxOffset));
    }
  }

  // ---- graphs ---------------------------------------------------------------------------------

  /** CUDA graphs through stream capture ({@link CudaGraph}, {@link CudaCaptures}). */
  @Override
  public boolean supportsCapture() {
    return true;
  }

  /** A GPU: a step of small kernels costs more in launches than in work, so graphs pay. */
  @Override
  public boolean capturesByDefault() {
    return true;
  }

  /**
   * Starts capturing the calling thread's calls. Calls of other threads wait until {@link
   * #endCapture} (the one stream would record them too); so does another thread's beginCapture.
   */
  @Override
  public void beginCapture() {
    captures.begin(this);
  }

  /**
   * Ends the capture and returns its graph. Always leaves capture mode. When the capture failed
   * (the driver invalidated it, or a call during it was refused or failed) this does not throw: the
   * graph it returns refuses {@link CapturedGraph#replay()} with the reason and owns nothing any
   * more; the backend is usable as before.
   */
  @Override
  public CapturedGraph endCapture() {
    return captures.end();
  }

  /** The start of {@link CudaGraph#replay()}: the same as every other entry point's. */
  CudaCaptures.Call enterForReplay() {
    return enter();
  }

  /** Called by {@link CudaGraph#close()}. */
  void graphClosed(CudaGraph g) {
    captures.closed(g);
  }

  // ---- precision ------------------------------------------------------------------------------

  /**
   * {@link MatmulPrecision#HIGH} sets cuBLAS's math mode to {@code CUBLAS_TF32_TENSOR_OP_MATH},
   * {@link MatmulPrecision#HIGHEST} back to {@code CUBLAS_DEFAULT_MATH}, for the GEMMs issued after
   * the call (captured ones keep the mode of their capture). The built-in kernel ignores it.
   */
  @Override
  public void setMatmulPrecision(MatmulPrecision precision) {
    Objects.requireNonNull(precision, "precision");
    try (CudaCaptures.Call ignored = enter()) {
      gemm.setPrecision(precision);
    }
  }

  @Override
  public MatmulPrecision matmulPrecision() {
    return gemm.precision();
  }

  // ---- control --------------------------------------------------------------------------------

  @Override
  public void synchronize() {
    try (CudaCaptures.Call ignored = enter()) {
      captures.refuseHostRead("synchronize");
      ctx.synchronize();
    }
  }

  @Override
  public MemoryStats memoryStats() {
    return allocator.stats();
  }

  /** Returns cached free segments to the driver (live storages are untouched). Not in a capture. */
  public void emptyCache() {
    try (CudaCaptures.Call ignored = enter()) {
      if (captures.running() != null) {
        throw new IllegalStateException(
            "emptyCache during a graph capture: freeing device memory "
                + "would break the capture");
      }
      ctx.synchronize();
      allocator.emptyCache();
    }
  }

  /**
   * Releases everything: waits for another thread's capture to end (ends one of this thread's),
   * frees the graphs not closed yet (closing them later does nothing), then the pools and the
   * context. Idempotent: a second call does nothing.
   */
  @Override
  public void close() {
    captures.closeAll(
        () -> {
          try {
            gemm.close();
            staging.close();
            allocator.close();
          } finally {
            ctx.close();
          }
        });
  }

  // ---- validation -----------------------------------------------------------------------------

  /**
   * The start of every entry point: waits while another thread captures (its calls would be
   * captured into the graph too, or break it), holds the capture gate until the returned call is
   * closed, and makes the context current on the calling thread.
   */
  private CudaCaptures.Call enter() {
    CudaCaptures.Call call = captures.enter();
    try {
      ctx.makeCurrent();
    } catch (RuntimeException e) {
      call.close();
      throw e;
    }
    return call;
  }

  /**
   * {@code s} as this backend's storage. The checks upstream refuse a foreign storage already; this
   * cast stays because a wrong address handed to a kernel corrupts device memory.
   */
  private CudaStorage own(Storage s) {
    if (s instanceof CudaStorage cs && cs.ownedBy(this)) {
      // Every entry point passes its storages through here: the first use after a copy-stream
      // upload makes the compute stream wait for it.
      var upload = cs.takePendingUpload(drainedEpoch);
      if (upload != null) {
        Driver.check(cuStreamWaitEvent(ctx.stream(), upload, 0), "cuStreamWaitEvent(upload)");
      }
      return cs;
    }
    throw new IllegalArgumentException(
        "storage on " + (s == null ? "null" : s.device()) + " passed to the backend of " + device);
  }
}
