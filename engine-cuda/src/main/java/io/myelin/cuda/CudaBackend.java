package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Layout;
import io.myelin.backend.Backend;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.CrossEntropyOptions;
import io.myelin.backend.FusedArguments;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.MemoryStats;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import java.util.Arrays;

/**
 * The {@link Backend} of one NVIDIA GPU: the device's primary context and one stream, a caching
 * allocator, pinned staging for host copies, the kernels of myelin-kernels and cuBLAS (or the
 * built-in GEMM).
 *
 * <p>Every call is enqueued on the stream and returns at once; only {@link #copyToHost} and
 * {@link #synchronize} wait. Kernel faults therefore surface at the next synchronising call.
 * Arguments are validated on the host (dtypes, ownership, bounds) because an out-of-bounds
 * device write corrupts memory silently.
 *
 * <p>Thread-safe: any thread may call; each call makes the context current on its thread.
 */
public final class CudaBackend implements Backend {
  private final Device device;
  private final CudaContext ctx;
  private final CachingAllocator allocator;
  private final PinnedStaging staging;
  private final CudaKernels kernels;
  private final CudaGemm gemm;
  private final CudaOptimizerKernels optimizers;
  private final CudaFusedKernels fused;
  private boolean closed;

  CudaBackend(int index, KernelBundle bundle, CublasLibrary.Lookup cublas) {
    this.device = Device.cuda(index);
    this.ctx = new CudaContext(index, bundle);
    try {
      this.allocator = new CachingAllocator(new DriverMemory(), device.toString());
      this.staging = new PinnedStaging(ctx.stream());
      this.kernels = new CudaKernels(ctx);
      this.gemm = new CudaGemm(ctx, cublas);
      this.optimizers = new CudaOptimizerKernels(ctx);
      this.fused = new CudaFusedKernels(ctx.maxBlocks());
    } catch (RuntimeException | Error e) {
      ctx.close();
      throw e;
    }
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public String description() {
    return ctx.name() + ", " + MemoryText.bytes(ctx.totalMemory()) + ", compute capability "
        + ctx.computeCapability() + ", " + ctx.multiprocessors() + " SMs; GEMM: " + gemm.description();
  }

  // ---- memory ---------------------------------------------------------------------------------

  @Override
  public Storage allocate(DType dtype, int length) {
    if (length < 0) {
      throw new IllegalArgumentException("negative length " + length);
    }
    ctx.makeCurrent();
    var block = allocator.allocate((long) length * dtype.byteSize());
    return new CudaStorage(this, dtype, length, allocator, block);
  }

  @Override
  public void copyFromHost(Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    CudaStorage d = own(dst);
    checkHostArray(src, d.dtype(), srcOffset, length);
    checkRange(d, dstOffset, length);
    if (length == 0) {
      return;
    }
    ctx.makeCurrent();
    staging.toDevice(src, srcOffset, d.dtype(), d.address(dstOffset), length);
  }

  @Override
  public void copyToHost(Storage src, int srcOffset, Object dst, int dstOffset, int length) {
    CudaStorage s = own(src);
    checkHostArray(dst, s.dtype(), dstOffset, length);
    checkRange(s, srcOffset, length);
    ctx.makeCurrent();
    if (length == 0) {
      ctx.synchronize(); // still a read: earlier work must be visible to the caller
      return;
    }
    staging.toHost(s.address(srcOffset), s.dtype(), dst, dstOffset, length);
  }

  @Override
  public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    CudaStorage s = own(src);
    CudaStorage d = own(dst);
    sameShape("copy", srcLayout, dstLayout);
    checkView(s, srcLayout);
    checkView(d, dstLayout);
    int n = dstLayout.size();
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    if (s.dtype() == d.dtype() && srcLayout.isContiguous() && dstLayout.isContiguous()) {
      Driver.check(cuMemcpyDtoDAsync(DevicePointer.at(d.address(dstLayout.offset())),
          DevicePointer.at(s.address(srcLayout.offset())), (long) n * s.dtype().byteSize(),
          ctx.stream()), "cuMemcpyDtoDAsync");
      return;
    }
    int[] desc = StridedDescriptor.pack(dstLayout.shape(), srcLayout.strides(), dstLayout.strides());
    kernels.copy(s.dtype(), d.dtype(), desc, n, s.address(srcLayout.offset()), d.address(dstLayout.offset()));
  }

  @Override
  public void fill(Storage dst, Layout layout, double value) {
    CudaStorage d = own(dst);
    checkView(d, layout);
    int n = layout.size();
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.fill(d.dtype(), StridedDescriptor.pack(layout.shape(), layout.strides()), n,
        d.address(layout.offset()), value);
  }

  // ---- random ---------------------------------------------------------------------------------

  @Override
  public void randomUniform(Storage dst, int offset, int length, long seed, long blockCounter,
      double low, double high) {
    random(false, dst, offset, length, seed, blockCounter, low, high);
  }

  @Override
  public void randomNormal(Storage dst, int offset, int length, long seed, long blockCounter,
      double mean, double std) {
    random(true, dst, offset, length, seed, blockCounter, mean, std);
  }

  private void random(boolean normal, Storage dst, int offset, int length, long seed, long counter,
      double p, double q) {
    CudaStorage d = floating(own(dst), "random fill");
    checkRange(d, offset, length);
    if (length == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.random(normal, d.dtype(), d.address(offset), length, seed, counter, p, q);
  }

  /** The raw Philox words of {@code blocks} blocks into an INT32 storage (for bit-exact tests). */
  void philoxWords(Storage dst, long blocks, long seed, long counter) {
    CudaStorage d = own(dst);
    if (d.dtype() != DType.INT32 || blocks * 4 > d.length()) {
      throw new IllegalArgumentException("philoxWords needs an INT32 storage of 4 * blocks elements");
    }
    ctx.makeCurrent();
    kernels.philoxWords(d.address(0), blocks, seed, counter);
  }

  // ---- GEMM -----------------------------------------------------------------------------------

  @Override
  public void gemm(int batch, int m, int n, int k, double alpha, GemmOperand a, GemmOperand b,
      double beta, GemmOperand c) {
    gemm(batch, m, n, k, alpha, a, b, beta, c, false);
  }

  /** {@link #gemm} with a choice of the built-in kernel even when cuBLAS is present. */
  void gemm(int batch, int m, int n, int k, double alpha, GemmOperand a, GemmOperand b,
      double beta, GemmOperand c, boolean builtIn) {
    if (batch < 0 || m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("negative gemm size: batch " + batch + ", " + m + "x" + n + "x" + k);
    }
    CudaStorage sa = floating(own(a.storage()), "gemm");
    CudaStorage sb = own(b.storage());
    CudaStorage sc = own(c.storage());
    sameDtype("gemm", sa, sb, sc);
    if (c.transposed()) {
      throw new IllegalArgumentException("gemm output must not be transposed");
    }
    ctx.makeCurrent();
    gemm.gemm(sa.dtype(), batch, m, n, k, alpha, a, sa.address(a.offset()), b,
        sb.address(b.offset()), beta, c, sc.address(c.offset()), builtIn);
  }

  /**
   * Float32 GEMM with a fused epilogue on the built-in kernel: {@code C_i = act(alpha op(A_i)
   * op(B_i) + beta C_i + bias)}, {@code bias} ({@code n} elements from {@code biasOffset}, or
   * null) added to every row of each {@code C_i}. The linear + bias + activation forward in one
   * launch; not part of the SPI (the CPU composes the same from gemm, binary and unary).
   */
  public void gemmBiasActivation(int batch, int m, int n, int k, double alpha, GemmOperand a,
      GemmOperand b, double beta, GemmOperand c, Storage bias, int biasOffset,
      GemmActivation act) {
    if (batch < 0 || m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("negative gemm size: batch " + batch + ", " + m + "x" + n + "x" + k);
    }
    CudaStorage sa = own(a.storage());
    CudaStorage sb = own(b.storage());
    CudaStorage sc = own(c.storage());
    sameDtype("gemmBiasActivation", sa, sb, sc);
    if (sa.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("gemmBiasActivation is float32 only, got " + sa.dtype());
    }
    if (c.transposed()) {
      throw new IllegalArgumentException("gemm output must not be transposed");
    }
    long biasAddress = 0;
    if (bias != null) {
      CudaStorage sbias = own(bias);
      sameDtype("gemmBiasActivation bias", sa, sbias);
      checkRange(sbias, biasOffset, n);
      biasAddress = sbias.address(biasOffset);
    }
    ctx.makeCurrent();
    gemm.builtIn(DType.FLOAT32, batch, m, n, k, alpha, a, sa.address(a.offset()), b,
        sb.address(b.offset()), beta, c, sc.address(c.offset()), biasAddress, act);
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
  public void unary(UnaryOp op, double a, double b, Storage x, Layout xLayout, Storage y, Layout yLayout) {
    CudaStorage sx = floating(own(x), op.name());
    CudaStorage sy = own(y);
    sameDtype(op.name(), sx, sy);
    sameShape(op.name(), xLayout, yLayout);
    checkView(sx, xLayout);
    checkView(sy, yLayout);
    int n = yLayout.size();
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.unary(op, sx.dtype(), a, b, StridedDescriptor.pack(yLayout.shape(), xLayout.strides(),
        yLayout.strides()), n, sx.address(xLayout.offset()), sy.address(yLayout.offset()));
  }

  @Override
  public void unaryBackward(UnaryOp op, double a, double b, Storage x, int xOffset, Storage y,
      int yOffset, Storage gy, int gyOffset, Storage gx, int gxOffset, int n) {
    CudaStorage sx = floating(own(x), op.name() + " backward");
    CudaStorage sy = own(y);
    CudaStorage sgy = own(gy);
    CudaStorage sgx = own(gx);
    sameDtype(op.name() + " backward", sx, sy, sgy, sgx);
    checkRange(sx, xOffset, n);
    checkRange(sy, yOffset, n);
    checkRange(sgy, gyOffset, n);
    checkRange(sgx, gxOffset, n);
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.unaryBackward(op, sx.dtype(), a, b, n, sx.address(xOffset), sy.address(yOffset),
        sgy.address(gyOffset), sgx.address(gxOffset));
  }

  @Override
  public void binary(BinaryOp op, Storage x, Layout xLayout, Storage y, Layout yLayout, Storage out,
      Layout outLayout) {
    CudaStorage sx = floating(own(x), op.name());
    CudaStorage sy = own(y);
    CudaStorage so = own(out);
    sameDtype(op.name(), sx, sy, so);
    sameShape(op.name(), xLayout, outLayout);
    sameShape(op.name(), yLayout, outLayout);
    checkView(sx, xLayout);
    checkView(sy, yLayout);
    checkView(so, outLayout);
    int n = outLayout.size();
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.binary(op, sx.dtype(), StridedDescriptor.pack(outLayout.shape(), xLayout.strides(),
        yLayout.strides(), outLayout.strides()), n, sx.address(xLayout.offset()),
        sy.address(yLayout.offset()), so.address(outLayout.offset()));
  }

  @Override
  public void where(Storage cond, Layout condLayout, Storage x, Layout xLayout, Storage y,
      Layout yLayout, Storage out, Layout outLayout) {
    CudaStorage sc = floating(own(cond), "where");
    CudaStorage sx = own(x);
    CudaStorage sy = own(y);
    CudaStorage so = own(out);
    sameDtype("where", sc, sx, sy, so);
    for (Layout l : new Layout[] {condLayout, xLayout, yLayout}) {
      sameShape("where", l, outLayout);
    }
    checkView(sc, condLayout);
    checkView(sx, xLayout);
    checkView(sy, yLayout);
    checkView(so, outLayout);
    int n = outLayout.size();
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.where(sx.dtype(), StridedDescriptor.pack(outLayout.shape(), condLayout.strides(),
        xLayout.strides(), yLayout.strides(), outLayout.strides()), n,
        sc.address(condLayout.offset()), sx.address(xLayout.offset()), sy.address(yLayout.offset()),
        so.address(outLayout.offset()));
  }

  // ---- reductions and softmax ---------------------------------------------------------------

  @Override
  public void reduce(ReduceOp op, Storage x, int xOffset, int outer, int reduced, int inner,
      Storage out, int outOffset) {
    CudaStorage sx = floating(own(x), op.name());
    CudaStorage so = own(out);
    DType outType = op.producesIndices() ? DType.INT32 : sx.dtype();
    if (so.dtype() != outType) {
      throw new IllegalArgumentException(op + " writes " + outType + ", got an output of " + so.dtype());
    }
    if (outer < 0 || reduced < 0 || inner < 0) {
      throw new IllegalArgumentException("negative reduce shape [" + outer + ", " + reduced + ", " + inner + "]");
    }
    checkRange(sx, xOffset, Math.multiplyExact(Math.multiplyExact(outer, reduced), inner));
    checkRange(so, outOffset, Math.multiplyExact(outer, inner));
    if (outer == 0 || inner == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.reduce(op, sx.dtype(), outer, reduced, inner, sx.address(xOffset), so.address(outOffset));
  }

  @Override
  public void softmax(boolean log, Storage x, int xOffset, int rows, int cols, Storage y, int yOffset) {
    CudaStorage sx = floating(own(x), "softmax");
    CudaStorage sy = own(y);
    sameDtype("softmax", sx, sy);
    int n = Math.multiplyExact(rows, cols);
    checkRange(sx, xOffset, n);
    checkRange(sy, yOffset, n);
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.softmax(log, sx.dtype(), rows, cols, sx.address(xOffset), sy.address(yOffset));
  }

  @Override
  public void softmaxBackward(boolean log, Storage y, int yOffset, Storage gy, int gyOffset,
      Storage gx, int gxOffset, int rows, int cols) {
    CudaStorage sy = floating(own(y), "softmax backward");
    CudaStorage sgy = own(gy);
    CudaStorage sgx = own(gx);
    sameDtype("softmax backward", sy, sgy, sgx);
    int n = Math.multiplyExact(rows, cols);
    checkRange(sy, yOffset, n);
    checkRange(sgy, gyOffset, n);
    checkRange(sgx, gxOffset, n);
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    kernels.softmaxBackward(log, sy.dtype(), rows, cols, sy.address(yOffset),
        sgy.address(gyOffset), sgx.address(gxOffset));
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
  public void crossEntropy(CrossEntropyOptions o, Storage logits, int logitsOffset,
      Storage target, int targetOffset, Storage weight, Storage loss, int lossOffset,
      Storage total, int totalOffset) {
    DType dt = FusedArguments.crossEntropy(o, logits, logitsOffset, target, targetOffset, weight,
        loss, lossOffset, total, totalOffset);
    ownAll(logits, target, weight, loss, total);
    ctx.makeCurrent();
    long labels = o.probabilityTargets() ? 0 : at(target, targetOffset);
    long probs = o.probabilityTargets() ? at(target, targetOffset) : 0;
    if (total == null) {
      launch(fused.crossEntropy(o, dt, at(logits, logitsOffset), labels, probs, at(weight, 0),
          at(loss, lossOffset), 0));
      return;
    }
    // The per-row denominators live only between the two launches: stream order makes the
    // released block safe to hand out again.
    Storage den = allocate(dt, Math.max(1, o.rows()));
    try {
      launch(fused.crossEntropy(o, dt, at(logits, logitsOffset), labels, probs, at(weight, 0),
          at(loss, lossOffset), at(den, 0)));
      launch(fused.crossEntropyTotal(o, dt, at(loss, lossOffset), at(den, 0),
          at(total, totalOffset)));
    } finally {
      den.release();
    }
  }

  @Override
  public void crossEntropyBackward(CrossEntropyOptions o, Storage logits, int logitsOffset,
      Storage target, int targetOffset, Storage weight, Storage gradOut, int gradOutOffset,
      boolean perRow, Storage total, int totalOffset, Storage gradLogits, int gradLogitsOffset) {
    DType dt = FusedArguments.crossEntropyBackward(o, logits, logitsOffset, target, targetOffset,
        weight, gradOut, gradOutOffset, perRow, total, totalOffset, gradLogits, gradLogitsOffset);
    ownAll(logits, target, weight, gradOut, total, gradLogits);
    if (o.rows() == 0) {
      return;
    }
    ctx.makeCurrent();
    long labels = o.probabilityTargets() ? 0 : at(target, targetOffset);
    long probs = o.probabilityTargets() ? at(target, targetOffset) : 0;
    launch(fused.crossEntropyBackward(o, dt, at(logits, logitsOffset), labels, probs,
        at(weight, 0), at(gradOut, gradOutOffset), perRow, o.mean() ? at(total, totalOffset) : 0,
        at(gradLogits, gradLogitsOffset)));
  }

  @Override
  public void batchNorm(BatchNormOptions o, Storage x, int xOffset, Storage gamma, Storage beta,
      Storage runningMean, Storage runningVar, Storage saveMean, Storage saveInvStd, Storage y,
      int yOffset) {
    DType dt = FusedArguments.batchNorm(o, x, xOffset, gamma, beta, runningMean, runningVar,
        saveMean, saveInvStd, y, yOffset);
    ownAll(x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, y);
    ctx.makeCurrent();
    launch(fused.batchNorm(o, dt, at(x, xOffset), at(gamma, 0), at(beta, 0), at(runningMean, 0),
        at(runningVar, 0), at(saveMean, 0), at(saveInvStd, 0), at(y, yOffset)));
  }

  @Override
  public void batchNormBackward(BatchNormOptions o, Storage x, int xOffset, Storage gy,
      int gyOffset, Storage gamma, Storage saveMean, Storage saveInvStd, Storage gx, int gxOffset,
      Storage gGamma, Storage gBeta) {
    DType dt = FusedArguments.batchNormBackward(o, x, xOffset, gy, gyOffset, gamma, saveMean,
        saveInvStd, gx, gxOffset, gGamma, gBeta);
    ownAll(x, gy, gamma, saveMean, saveInvStd, gx, gGamma, gBeta);
    if (gx == null && gGamma == null && gBeta == null) {
      return;
    }
    ctx.makeCurrent();
    launch(fused.batchNormBackward(o, dt, at(x, xOffset), at(gy, gyOffset), at(gamma, 0),
        at(saveMean, 0), at(saveInvStd, 0), at(gx, gxOffset), at(gGamma, 0), at(gBeta, 0)));
  }

  @Override
  public void layerNorm(int rows, int cols, double eps, Storage x, int xOffset, Storage gamma,
      Storage beta, Storage saveMean, Storage saveInvStd, Storage y, int yOffset) {
    DType dt = FusedArguments.layerNorm(rows, cols, eps, x, xOffset, gamma, beta, saveMean,
        saveInvStd, y, yOffset);
    ownAll(x, gamma, beta, saveMean, saveInvStd, y);
    if (rows == 0) {
      return;
    }
    ctx.makeCurrent();
    launch(fused.layerNorm(rows, cols, eps, dt, at(x, xOffset), at(gamma, 0), at(beta, 0),
        at(saveMean, 0), at(saveInvStd, 0), at(y, yOffset)));
  }

  @Override
  public void layerNormBackward(int rows, int cols, Storage x, int xOffset, Storage gy,
      int gyOffset, Storage gamma, Storage saveMean, Storage saveInvStd, Storage gx, int gxOffset,
      Storage gGamma, Storage gBeta) {
    DType dt = FusedArguments.layerNormBackward(rows, cols, x, xOffset, gy, gyOffset, gamma,
        saveMean, saveInvStd, gx, gxOffset, gGamma, gBeta);
    ownAll(x, gy, gamma, saveMean, saveInvStd, gx, gGamma, gBeta);
    ctx.makeCurrent();
    if (gx != null && rows > 0) {
      launch(fused.layerNormBackwardRows(rows, cols, dt, at(x, xOffset), at(gy, gyOffset),
          at(gamma, 0), at(saveMean, 0), at(saveInvStd, 0), at(gx, gxOffset)));
    }
    if (gGamma != null || gBeta != null) {
      // rows == 0 still writes zeros: the sums over no rows.
      launch(fused.layerNormBackwardColumns(rows, cols, dt, at(x, xOffset), at(gy, gyOffset),
          at(saveMean, 0), at(saveInvStd, 0), at(gGamma, 0), at(gBeta, 0)));
    }
  }

  @Override
  public void dropout(double p, long seed, long blockCounter, Storage x, int xOffset, Storage y,
      int yOffset, int n) {
    DType dt = FusedArguments.dropout("dropout", p, x, xOffset, y, yOffset, n);
    ownAll(x, y);
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    launch(fused.dropout(p, seed, blockCounter, dt, at(x, xOffset), at(y, yOffset), n));
  }

  @Override
  public void dropoutBackward(double p, long seed, long blockCounter, Storage gy, int gyOffset,
      Storage gx, int gxOffset, int n) {
    DType dt = FusedArguments.dropout("dropoutBackward", p, gy, gyOffset, gx, gxOffset, n);
    ownAll(gy, gx);
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    launch(fused.dropout(p, seed, blockCounter, dt, at(gy, gyOffset), at(gx, gxOffset), n));
  }

  private void ownAll(Storage... storages) {
    for (Storage s : storages) {
      if (s != null) {
        own(s);
      }
    }
  }

  // ---- optimizers -----------------------------------------------------------------------------

  @Override
  public void optimizerUpdate(OptimizerKind kind, OptimizerHyperparameters h, long step,
      Storage param, int paramOffset, Storage grad, int gradOffset, Storage[] state, int n) {
    CudaStorage ps = floating(own(param), "optimizerUpdate");
    CudaStorage gs = own(grad);
    sameDtype("optimizerUpdate", ps, gs);
    if (step < 1) {
      throw new IllegalArgumentException("optimizerUpdate: step must be >= 1, got " + step);
    }
    if (state.length != kind.stateCount()) {
      throw new IllegalArgumentException("optimizerUpdate: " + kind + " takes " + kind.stateCount()
          + " state buffers, got " + state.length);
    }
    checkRange(ps, paramOffset, n);
    checkRange(gs, gradOffset, n);
    long[] addresses = new long[state.length];
    for (int i = 0; i < state.length; i++) {
      if (state[i] == null) {
        if (kind.usesState(i, h)) {
          throw new IllegalArgumentException(
              "optimizerUpdate: " + kind + " needs state '" + kind.stateName(i) + "'");
        }
        continue;
      }
      CudaStorage ss = own(state[i]);
      sameDtype("optimizerUpdate state " + kind.stateName(i), ps, ss);
      checkRange(ss, 0, n);
      // An unused slot is never dereferenced; pass 0 so a kernel bug faults instead of corrupting.
      addresses[i] = kind.usesState(i, h) ? ss.address(0) : 0;
    }
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    optimizers.update(kind, h, step, ps.dtype(), n, ps.address(paramOffset),
        gs.address(gradOffset), addresses);
  }

  // ---- control --------------------------------------------------------------------------------

  @Override
  public void synchronize() {
    ctx.synchronize();
  }

  @Override
  public MemoryStats memoryStats() {
    return allocator.stats();
  }

  /** Returns cached free segments to the driver (live storages are untouched). */
  public void emptyCache() {
    ctx.makeCurrent();
    ctx.synchronize();
    allocator.emptyCache();
  }

  /** Idempotent: a second call does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ctx.makeCurrent();
    try {
      ctx.synchronize();
      gemm.close();
      staging.close();
      allocator.close();
    } finally {
      ctx.close();
    }
  }

  // ---- validation -----------------------------------------------------------------------------

  private CudaStorage own(Storage s) {
    if (s instanceof CudaStorage cs && s.backend() == this) {
      return cs;
    }
    throw new IllegalArgumentException("storage on " + s.device() + " passed to the backend of " + device);
  }

  private static CudaStorage floating(CudaStorage s, String op) {
    if (!s.dtype().isFloating()) {
      throw new IllegalArgumentException(op + " on CUDA needs float32 or float64, got " + s.dtype());
    }
    return s;
  }

  private static void sameDtype(String op, CudaStorage... storages) {
    for (CudaStorage s : storages) {
      if (s.dtype() != storages[0].dtype()) {
        throw new IllegalArgumentException(op + ": operands mix " + storages[0].dtype() + " and " + s.dtype());
      }
    }
  }

  private static void sameShape(String op, Layout a, Layout b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a.shape()) + " and "
          + Arrays.toString(b.shape()) + " differ");
    }
  }

  private static void checkRange(CudaStorage s, long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > s.length()) {
      throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + length)
          + ") outside a storage of " + s.length() + " elements");
    }
  }

  private static void checkView(CudaStorage s, Layout l) {
    for (int st : l.strides()) {
      if (st < 0) {
        throw new IllegalArgumentException("negative stride in " + l);
      }
    }
    if (l.extent() > s.length()) {
      throw new IndexOutOfBoundsException(l + " reaches past a storage of " + s.length() + " elements");
    }
  }

  private static void checkHostArray(Object array, DType dtype, int offset, int length) {
    int arrayLength = switch (array) {
      case float[] f when dtype == DType.FLOAT32 -> f.length;
      case double[] d when dtype == DType.FLOAT64 -> d.length;
      case int[] i when dtype == DType.INT32 -> i.length;
      default -> throw new IllegalArgumentException("host array " + array.getClass().getSimpleName()
          + " does not match storage dtype " + dtype);
    };
    if (offset < 0 || length < 0 || (long) offset + length > arrayLength) {
      throw new IndexOutOfBoundsException("host range [" + offset + ", " + ((long) offset + length)
          + ") outside an array of " + arrayLength);
    }
  }
}
