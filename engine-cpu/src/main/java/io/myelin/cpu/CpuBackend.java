package io.myelin.cpu;

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
import io.myelin.backend.MemoryStats;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.PoolGeometry;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pure-Java backend: Java arrays for memory, {@code jdk.incubator.vector} for SIMD, and a small
 * pool of daemon threads ({@link CpuThreads}) for large work.
 *
 * <p>This class dispatches (its callers hold the {@link io.myelin.backend.CheckedBackend} view, so
 * arguments arrive checked); each op family lives in its own kernel class ({@link Gemm}, {@link
 * UnaryKernels}, {@link BinaryKernels}, {@link ReduceKernels}, {@link SoftmaxKernels}, {@link
 * CopyKernels}, {@link RandomFill}). Calls run synchronously on the calling thread (helped by the
 * pool), so {@link #synchronize()} has nothing to wait for.
 *
 * <p>Thread-safe: any number of threads may call it at once; memory statistics are atomic.
 */
public final class CpuBackend implements Backend {
  private final CpuThreads threads;
  private final SgemmScratch.Pool gemmScratch = new SgemmScratch.Pool();
  private final ArrayPool pool = ArrayPool.forThisJvm();
  private final AtomicLong liveBlocks = new AtomicLong();
  private final AtomicLong liveBytes = new AtomicLong();
  private final AtomicLong peakBytes = new AtomicLong();
  private final AtomicLong systemAllocations = new AtomicLong();

  /** The capture the calling thread runs, if any: other threads keep running their calls. */
  private final ThreadLocal<CpuGraph> capture = new ThreadLocal<>();

  /** A backend using {@code MYELIN_NUM_THREADS} threads (default: all processors). */
  public CpuBackend() {
    this(CpuThreads.fromEnvironment());
  }

  /** A backend using {@code threads} threads, the caller included. */
  public CpuBackend(int threads) {
    this.threads = new CpuThreads(threads);
    if (VectorWarmup.MODE == VectorWarmup.Mode.ALWAYS) {
      VectorWarmup.start(gemmScratch);
    }
  }

  /**
   * Starts {@link VectorWarmup} when the products will take the packed Vector API path (above
   * {@link SgemmScalar#MAX_MACS} at batches of {@link VectorWarmup#BATCH_ROWS} rows or more): its
   * kernels then reach C2 while the caller reads its data. A small model (the course's Pima MLP: 20
   * x 20) runs the scalar paths, which need no warm-up, and would only pay for the thread.
   */
  @Override
  public boolean expectMatmul(long inTimesOut) {
    if (VectorWarmup.pays(inTimesOut)) {
      VectorWarmup.start(gemmScratch);
      return true;
    }
    return false;
  }

  /** Number of threads large ops are split over. */
  public int threads() {
    return threads.threads();
  }

  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public String description() {
    return "CPU: "
        + threads.threads()
        + " threads, "
        + CpuProvider.simdDescription()
        + ", GEMM "
        + SgemmKernels.MR
        + "x"
        + SgemmKernels.NR
        + " f32 micro-kernel";
  }

  // ---- memory -------------------------------------------------------------------------------

  @Override
  public Storage allocate(DType dtype, int length) {
    CpuGraph g = capturing();
    Object array = g == null ? null : g.take(dtype, length);
    if (array == null) {
      array = pool.take(dtype, length);
    }
    if (array == null) {
      array = CpuStorage.newArray(dtype, length);
      pool.poison(array);
      systemAllocations.incrementAndGet();
    }
    CpuStorage s = new CpuStorage(this, dtype, length, array, g);
    liveBlocks.incrementAndGet();
    peakBytes.accumulateAndGet(liveBytes.addAndGet(s.byteSize()), Math::max);
    return s;
  }

  /** Called by {@link CpuStorage#free()} with the array it held: back to the pool. */
  void released(CpuStorage s, Object array) {
    liveBlocks.decrementAndGet();
    liveBytes.addAndGet(-s.byteSize());
    CpuGraph g = s.graph();
    if (g == null || !g.keep(s.dtype(), array, s.length())) {
      pool.give(s.dtype(), array, s.length());
    }
  }

  /** A closed graph's reserved arrays, back to the pool. */
  void returnToPool(DType dtype, Object array, int length) {
    pool.give(dtype, array, length);
  }

  @Override
  public void copyFromHost(Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    CpuStorage d = cpu(dst);
    if (capturing() == null) {
      CopyKernels.fromHost(src, srcOffset, d, dstOffset, length);
      return;
    }
    // Recorded with the values the array holds now (what a captured host-to-device copy reads).
    Object snapshot = CopyKernels.slice(src, srcOffset, length);
    exec(() -> CopyKernels.fromHost(snapshot, 0, d, dstOffset, length));
  }

  @Override
  public void copyToHost(Storage src, int srcOffset, Object dst, int dstOffset, int length) {
    refuseWhileCapturing("copyToHost");
    CopyKernels.toHost(cpu(src), srcOffset, dst, dstOffset, length);
  }

  @Override
  public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    exec(() -> CopyKernels.copy(threads, cpu(src), srcLayout, cpu(dst), dstLayout));
  }

  @Override
  public void fill(Storage dst, Layout layout, double value) {
    exec(() -> CopyKernels.fill(threads, cpu(dst), layout, value));
  }

  // ---- random numbers -----------------------------------------------------------------------

  @Override
  public void randomUniform(
      Storage dst, int offset, int length, long seed, long blockCounter, double low, double high) {
    exec(
        () -> RandomFill.uniform(threads, cpu(dst), offset, length, seed, blockCounter, low, high));
  }

  @Override
  public void randomNormal(
      Storage dst, int offset, int length, long seed, long blockCounter, double mean, double std) {
    exec(() -> RandomFill.normal(threads, cpu(dst), offset, length, seed, blockCounter, mean, std));
  }

  // ---- linear algebra -----------------------------------------------------------------------

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
    exec(
        () ->
            Gemm.gemm(
                threads,
                gemmScratch,
                batch,
                m,
                n,
                k,
                alpha,
                cpu(a.storage()),
                a,
                cpu(b.storage()),
                b,
                beta,
                cpu(c.storage()),
                c));
  }

  // ---- element-wise -------------------------------------------------------------------------

  @Override
  public void unary(
      UnaryOp op, double a, double b, Storage x, Layout xLayout, Storage y, Layout yLayout) {
    CpuStorage xs = cpu(x);
    CpuStorage ys = cpu(y);
    exec(() -> UnaryKernels.unary(threads, op, a, b, xs, xLayout, ys, yLayout));
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
    exec(
        () ->
            UnaryKernels.backward(
                threads, op, a, b, cpu(x), xOffset, cpu(y), yOffset, cpu(gy), gyOffset, cpu(gx),
                gxOffset, n));
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
    exec(
        () ->
            BinaryKernels.binary(
                threads, op, cpu(x), xLayout, cpu(y), yLayout, cpu(out), outLayout));
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
    exec(
        () ->
            BinaryKernels.where(
                threads,
                cpu(cond),
                condLayout,
                cpu(x),
                xLayout,
                cpu(y),
                yLayout,
                cpu(out),
                outLayout));
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
    exec(
        () ->
            ReduceKernels.reduce(
                threads, op, cpu(x), xOffset, outer, reduced, inner, cpu(out), outOffset));
  }

  @Override
  public void softmax(
      boolean log, Storage x, int xOffset, int rows, int cols, Storage y, int yOffset) {
    exec(() -> SoftmaxKernels.forward(threads, log, cpu(x), xOffset, rows, cols, cpu(y), yOffset));
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
    exec(
        () ->
            SoftmaxKernels.backward(
                threads, log, cpu(y), yOffset, cpu(gy), gyOffset, cpu(gx), gxOffset, rows, cols));
  }

  // ---- optimizers ---------------------------------------------------------------------------

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
    CpuStorage ps = cpu(param);
    CpuStorage gs = cpu(grad);
    CpuStorage cs = cpu(scalars);
    CpuStorage[] states = new CpuStorage[state.length];
    for (int i = 0; i < state.length; i++) {
      states[i] = cpuOrNull(state[i]);
    }
    exec(
        () -> {
          // Read when the update runs (a replayed graph applies the step written there last).
          // The block of OptimizerKind.writeScalars, as every backend reads it (copied: a worker
          // must not see a later step's values).
          double[] c =
              java.util.Arrays.copyOfRange(
                  cs.doubles(), scalarsOffset, scalarsOffset + OptimizerKind.SCALARS);
          if (c[OptimizerKind.APPLY] == 0) {
            return; // a skipped batch: parameter and state stay as they are
          }
          Object[] arrays = new Object[states.length];
          for (int i = 0; i < states.length; i++) {
            arrays[i] = states[i] == null ? null : states[i].array();
          }
          Object p = ps.array();
          Object g = gs.array();
          // Vectorised (Adam, SGD) these are memory bound, well under a nanosecond per element:
          // waking a worker pays only for parameters of tens of thousands of elements.
          threads.parallelFor(
              n,
              1,
              (from, to) ->
                  OptimizerKernels.update(
                      kind, h, c, 0, p, paramOffset, g, gradOffset, arrays, from, to));
        });
  }

  // ---- data ---------------------------------------------------------------------------------

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
    CpuStorage ss = cpu(src);
    CpuStorage ds = cpu(dst);
    CpuStorage is = cpu(indices);
    exec(
        () ->
            CopyKernels.gatherRows(
                ss, srcOffset, srcRows, rowLength, is, indicesOffset, rows, ds, dstOffset));
  }

  // ---- fused loss, normalisation and dropout ------------------------------------------------

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
    exec(
        () ->
            CrossEntropyKernels.forward(
                o,
                cpu(logits),
                logitsOffset,
                cpu(target),
                targetOffset,
                cpuOrNull(weight),
                cpu(loss),
                lossOffset,
                cpuOrNull(total),
                totalOffset));
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
    exec(
        () ->
            CrossEntropyKernels.backward(
                o,
                cpu(logits),
                logitsOffset,
                cpu(target),
                targetOffset,
                cpuOrNull(weight),
                cpu(gradOut),
                gradOutOffset,
                perRow,
                cpuOrNull(total),
                totalOffset,
                cpu(gradLogits),
                gradLogitsOffset));
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
    exec(
        () ->
            NormalizationKernels.batchNorm(
                o,
                cpu(x),
                xOffset,
                cpuOrNull(gamma),
                cpuOrNull(beta),
                cpuOrNull(runningMean),
                cpuOrNull(runningVar),
                cpuOrNull(saveMean),
                cpuOrNull(saveInvStd),
                cpu(y),
                yOffset));
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
    exec(
        () ->
            NormalizationKernels.batchNormBackward(
                o,
                cpu(x),
                xOffset,
                cpu(gy),
                gyOffset,
                cpuOrNull(gamma),
                cpu(saveMean),
                cpu(saveInvStd),
                cpuOrNull(gx),
                gxOffset,
                cpuOrNull(gGamma),
                cpuOrNull(gBeta)));
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
    exec(
        () ->
            NormalizationKernels.layerNorm(
                rows,
                cols,
                eps,
                cpu(x),
                xOffset,
                cpuOrNull(gamma),
                cpuOrNull(beta),
                cpuOrNull(saveMean),
                cpuOrNull(saveInvStd),
                cpu(y),
                yOffset));
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
    exec(
        () ->
            NormalizationKernels.layerNormBackward(
                rows,
                cols,
                cpu(x),
                xOffset,
                cpu(gy),
                gyOffset,
                cpuOrNull(gamma),
                cpu(saveMean),
                cpu(saveInvStd),
                cpuOrNull(gx),
                gxOffset,
                cpuOrNull(gGamma),
                cpuOrNull(gBeta)));
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
    exec(() -> DropoutKernels.apply(p, seed, blockCounter, cpu(x), xOffset, cpu(y), yOffset, n));
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
    exec(
        () -> DropoutKernels.apply(p, seed, blockCounter, cpu(gy), gyOffset, cpu(gx), gxOffset, n));
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
    // Arguments checked by CheckedBackend (FusedArguments.dropoutCounted).
    CpuStorage cell = cpu(counter);
    // The counter is read when the call runs, so a replayed graph sees the value written last.
    exec(
        () ->
            DropoutKernels.apply(
                p,
                seed,
                (long) cell.doubles()[counterOffset] + counterAdd,
                cpu(x),
                xOffset,
                cpu(y),
                yOffset,
                n));
  }

  // ---- convolution and pooling --------------------------------------------------------------

  @Override
  public void im2col(
      ConvGeometry g, int images, Storage x, int xOffset, Storage cols, int colsOffset) {
    exec(() -> ConvKernels.im2col(threads, g, images, cpu(x), xOffset, cpu(cols), colsOffset));
  }

  @Override
  public void col2im(
      ConvGeometry g, int images, Storage cols, int colsOffset, Storage x, int xOffset) {
    exec(() -> ConvKernels.col2im(threads, g, images, cpu(cols), colsOffset, cpu(x), xOffset));
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
    exec(
        () ->
            PoolKernels.maxPool2d(
                threads, g, planes, cpu(x), xOffset, cpu(y), yOffset, cpu(indices), indicesOffset));
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
    exec(
        () ->
            PoolKernels.maxPool2dBackward(
                threads,
                g,
                planes,
                cpu(gy),
                gyOffset,
                cpu(indices),
                indicesOffset,
                cpu(gx),
                gxOffset));
  }

  @Override
  public void avgPool2d(
      PoolGeometry g, int planes, Storage x, int xOffset, Storage y, int yOffset) {
    exec(() -> PoolKernels.avgPool2d(threads, g, planes, cpu(x), xOffset, cpu(y), yOffset));
  }

  @Override
  public void avgPool2dBackward(
      PoolGeometry g, int planes, Storage gy, int gyOffset, Storage gx, int gxOffset) {
    exec(
        () ->
            PoolKernels.avgPool2dBackward(
                threads, g, planes, cpu(gy), gyOffset, cpu(gx), gxOffset));
  }

  // ---- control ------------------------------------------------------------------------------

  @Override
  public void synchronize() {
    refuseWhileCapturing("synchronize");
    // Every call has finished by the time it returns.
  }

  // ---- graphs -------------------------------------------------------------------------------

  /** The CPU records calls into a list ({@link CpuGraph}); replaying skips every host-side cost. */
  @Override
  public boolean supportsCapture() {
    return true;
  }

  /**
   * Yes: a replay skips the tensor layer's host work (tensor objects, shape checks, the autograd
   * tape) and the small bookkeeping ops of a step (the finite flag, the running sums, the metric),
   * which on a small model are as much time as its kernels (the course's Pima MLP: 0.75 -> 0.42 ms
   * per full-batch step, bench/RESULTS.md 2026-12-07 round 3). Replays give the same bits as eager
   * steps.
   */
  @Override
  public boolean capturesByDefault() {
    return true;
  }

  /**
   * Starts recording this thread's calls. Unlike a GPU's single stream, CPU captures are per
   * thread: other threads' calls run as usual meanwhile (and are not recorded).
   */
  @Override
  public void beginCapture() {
    if (capture.get() != null) {
      throw new IllegalStateException("a graph capture is already running on this thread");
    }
    capture.set(new CpuGraph(this, Thread.currentThread()));
  }

  @Override
  public CapturedGraph endCapture() {
    CpuGraph g = capture.get();
    if (g == null) {
      throw new IllegalStateException("endCapture without a capture started on this thread");
    }
    capture.remove();
    g.finish();
    return g;
  }

  /** The calling thread's running capture, or null. */
  private CpuGraph capturing() {
    return capture.get();
  }

  /** Runs {@code work} now, or records it into the running capture. */
  private void exec(Runnable work) {
    CpuGraph g = capturing();
    if (g == null) {
      work.run();
    } else {
      g.record(work);
    }
  }

  private void refuseWhileCapturing(String what) {
    if (capturing() != null) {
      throw new IllegalStateException(
          what
              + " during a graph capture: a captured step cannot read "
              + "values on the host (keep loss.item() and metrics outside the captured region)");
    }
  }

  @Override
  public MemoryStats memoryStats() {
    long bytes = liveBytes.get();
    return new MemoryStats(
        liveBlocks.get(),
        bytes,
        peakBytes.get(),
        bytes + pool.pooledBytes(),
        systemAllocations.get());
  }

  @Override
  public void close() {
    threads.close();
  }

  @Override
  public String toString() {
    return description();
  }

  // ---- storages (arguments arrive checked: this is the cast, plus the ownership guard) ---------

  private CpuStorage cpu(Storage s) {
    return CpuStorage.of(s, this);
  }

  private CpuStorage cpuOrNull(Storage s) {
    return s == null ? null : cpu(s);
  }
}
