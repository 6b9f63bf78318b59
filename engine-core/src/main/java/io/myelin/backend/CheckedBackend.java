package io.myelin.backend;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Layout;
import java.util.Objects;

/**
 * A {@link Backend} as its callers see it: every primitive's arguments checked once, here ({@link
 * BackendArguments}, {@link FusedArguments}), then the call handed to the device's backend, which
 * assumes them valid. {@link DeviceManager#backend} and {@link Storage#backend()} hand out only
 * this view, so no call from above the SPI reaches a backend unchecked.
 *
 * <p>Each override is two lines: the primitive's check, then the delegate. A backend overriding a
 * default method cannot skip it (why this is a decorator, not a default-method hook on {@link
 * Backend}); a primitive added to {@link Backend} does not compile until it has its override here.
 *
 * <p>Stateless apart from the delegate: two views of one backend are equal. Thread-safe as the
 * delegate is.
 */
public final class CheckedBackend implements Backend {
  private final Backend delegate;

  private CheckedBackend(Backend delegate) {
    this.delegate = delegate;
  }

  /** The checked view of {@code backend} (itself when it is one already). */
  public static Backend of(Backend backend) {
    Objects.requireNonNull(backend, "backend");
    return backend instanceof CheckedBackend ? backend : new CheckedBackend(backend);
  }

  @Override
  public Device device() {
    return delegate.device();
  }

  @Override
  public String description() {
    return delegate.description();
  }

  // ---- memory -------------------------------------------------------------------------------

  @Override
  public Storage allocate(DType dtype, int length) {
    BackendArguments.allocate(delegate, dtype, length);
    return delegate.allocate(dtype, length);
  }

  @Override
  public void copyFromHost(Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    BackendArguments.copyFromHost(delegate, "copyFromHost", src, srcOffset, dst, dstOffset, length);
    delegate.copyFromHost(src, srcOffset, dst, dstOffset, length);
  }

  @Override
  public void copyFromHostAhead(Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    BackendArguments.copyFromHost(
        delegate, "copyFromHostAhead", src, srcOffset, dst, dstOffset, length);
    delegate.copyFromHostAhead(src, srcOffset, dst, dstOffset, length);
  }

  @Override
  public void copyToHost(Storage src, int srcOffset, Object dst, int dstOffset, int length) {
    BackendArguments.copyToHost(delegate, src, srcOffset, dst, dstOffset, length);
    delegate.copyToHost(src, srcOffset, dst, dstOffset, length);
  }

  @Override
  public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    BackendArguments.copy(delegate, src, srcLayout, dst, dstLayout);
    delegate.copy(src, srcLayout, dst, dstLayout);
  }

  @Override
  public void fill(Storage dst, Layout layout, double value) {
    BackendArguments.fill(delegate, dst, layout);
    delegate.fill(dst, layout, value);
  }

  // ---- random numbers -----------------------------------------------------------------------

  @Override
  public void randomUniform(
      Storage dst, int offset, int length, long seed, long blockCounter, double low, double high) {
    BackendArguments.random(delegate, "randomUniform", dst, offset, length, low, high);
    delegate.randomUniform(dst, offset, length, seed, blockCounter, low, high);
  }

  @Override
  public void randomNormal(
      Storage dst, int offset, int length, long seed, long blockCounter, double mean, double std) {
    BackendArguments.random(delegate, "randomNormal", dst, offset, length, mean, std);
    delegate.randomNormal(dst, offset, length, seed, blockCounter, mean, std);
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
    BackendArguments.gemm(delegate, batch, m, n, k, a, b, c);
    delegate.gemm(batch, m, n, k, alpha, a, b, beta, c);
  }

  // ---- element-wise -------------------------------------------------------------------------

  @Override
  public void unary(
      UnaryOp op, double a, double b, Storage x, Layout xLayout, Storage y, Layout yLayout) {
    BackendArguments.unary(delegate, op, x, xLayout, y, yLayout);
    delegate.unary(op, a, b, x, xLayout, y, yLayout);
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
    BackendArguments.unaryBackward(
        delegate, op, x, xOffset, y, yOffset, gy, gyOffset, gx, gxOffset, n);
    delegate.unaryBackward(op, a, b, x, xOffset, y, yOffset, gy, gyOffset, gx, gxOffset, n);
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
    BackendArguments.binary(delegate, op, x, xLayout, y, yLayout, out, outLayout);
    delegate.binary(op, x, xLayout, y, yLayout, out, outLayout);
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
    BackendArguments.where(delegate, cond, condLayout, x, xLayout, y, yLayout, out, outLayout);
    delegate.where(cond, condLayout, x, xLayout, y, yLayout, out, outLayout);
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
    BackendArguments.reduce(delegate, op, x, xOffset, outer, reduced, inner, out, outOffset);
    delegate.reduce(op, x, xOffset, outer, reduced, inner, out, outOffset);
  }

  @Override
  public void softmax(
      boolean log, Storage x, int xOffset, int rows, int cols, Storage y, int yOffset) {
    BackendArguments.softmax(delegate, x, xOffset, rows, cols, y, yOffset);
    delegate.softmax(log, x, xOffset, rows, cols, y, yOffset);
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
    BackendArguments.softmaxBackward(delegate, y, yOffset, gy, gyOffset, gx, gxOffset, rows, cols);
    delegate.softmaxBackward(log, y, yOffset, gy, gyOffset, gx, gxOffset, rows, cols);
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
    FusedArguments.crossEntropy(
        delegate,
        o,
        logits,
        logitsOffset,
        target,
        targetOffset,
        weight,
        loss,
        lossOffset,
        total,
        totalOffset);
    delegate.crossEntropy(
        o,
        logits,
        logitsOffset,
        target,
        targetOffset,
        weight,
        loss,
        lossOffset,
        total,
        totalOffset);
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
    FusedArguments.crossEntropyBackward(
        delegate,
        o,
        logits,
        logitsOffset,
        target,
        targetOffset,
        weight,
        gradOut,
        gradOutOffset,
        perRow,
        total,
        totalOffset,
        gradLogits,
        gradLogitsOffset);
    delegate.crossEntropyBackward(
        o,
        logits,
        logitsOffset,
        target,
        targetOffset,
        weight,
        gradOut,
        gradOutOffset,
        perRow,
        total,
        totalOffset,
        gradLogits,
        gradLogitsOffset);
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
    FusedArguments.batchNorm(
        delegate,
        o,
        x,
        xOffset,
        gamma,
        beta,
        runningMean,
        runningVar,
        saveMean,
        saveInvStd,
        y,
        yOffset);
    delegate.batchNorm(
        o, x, xOffset, gamma, beta, runningMean, runningVar, saveMean, saveInvStd, y, yOffset);
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
    FusedArguments.batchNormBackward(
        delegate,
        o,
        x,
        xOffset,
        gy,
        gyOffset,
        gamma,
        saveMean,
        saveInvStd,
        gx,
        gxOffset,
        gGamma,
        gBeta);
    delegate.batchNormBackward(
        o, x, xOffset, gy, gyOffset, gamma, saveMean, saveInvStd, gx, gxOffset, gGamma, gBeta);
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
    FusedArguments.layerNorm(
        delegate, rows, cols, eps, x, xOffset, gamma, beta, saveMean, saveInvStd, y, yOffset);
    delegate.layerNorm(rows, cols, eps, x, xOffset, gamma, beta, saveMean, saveInvStd, y, yOffset);
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
    FusedArguments.layerNormBackward(
        delegate,
        rows,
        cols,
        x,
        xOffset,
        gy,
        gyOffset,
        gamma,
        saveMean,
        saveInvStd,
        gx,
        gxOffset,
        gGamma,
        gBeta);
    delegate.layerNormBackward(
        rows,
        cols,
        x,
        xOffset,
        gy,
        gyOffset,
        gamma,
        saveMean,
        saveInvStd,
        gx,
        gxOffset,
        gGamma,
        gBeta);
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
    FusedArguments.dropout(delegate, "dropout", p, x, xOffset, y, yOffset, n);
    delegate.dropout(p, seed, blockCounter, x, xOffset, y, yOffset, n);
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
    FusedArguments.dropout(delegate, "dropoutBackward", p, gy, gyOffset, gx, gxOffset, n);
    delegate.dropoutBackward(p, seed, blockCounter, gy, gyOffset, gx, gxOffset, n);
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
    FusedArguments.dropoutCounted(delegate, p, counter, counterOffset, x, xOffset, y, yOffset, n);
    delegate.dropoutCounted(p, seed, counter, counterOffset, counterAdd, x, xOffset, y, yOffset, n);
  }

  // ---- convolution and pooling ----------------------------------------------------------------

  @Override
  public void im2col(
      ConvGeometry g, int images, Storage x, int xOffset, Storage cols, int colsOffset) {
    ConvArguments.im2col(delegate, g, images, x, xOffset, cols, colsOffset);
    delegate.im2col(g, images, x, xOffset, cols, colsOffset);
  }

  @Override
  public void col2im(
      ConvGeometry g, int images, Storage cols, int colsOffset, Storage x, int xOffset) {
    ConvArguments.col2im(delegate, g, images, cols, colsOffset, x, xOffset);
    delegate.col2im(g, images, cols, colsOffset, x, xOffset);
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
    ConvArguments.maxPool2d(delegate, g, planes, x, xOffset, y, yOffset, indices, indicesOffset);
    delegate.maxPool2d(g, planes, x, xOffset, y, yOffset, indices, indicesOffset);
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
    ConvArguments.maxPool2dBackward(
        delegate, g, planes, gy, gyOffset, indices, indicesOffset, gx, gxOffset);
    delegate.maxPool2dBackward(g, planes, gy, gyOffset, indices, indicesOffset, gx, gxOffset);
  }

  @Override
  public void avgPool2d(
      PoolGeometry g, int planes, Storage x, int xOffset, Storage y, int yOffset) {
    ConvArguments.avgPool2d(delegate, g, planes, x, xOffset, y, yOffset);
    delegate.avgPool2d(g, planes, x, xOffset, y, yOffset);
  }

  @Override
  public void avgPool2dBackward(
      PoolGeometry g, int planes, Storage gy, int gyOffset, Storage gx, int gxOffset) {
    ConvArguments.avgPool2dBackward(delegate, g, planes, gy, gyOffset, gx, gxOffset);
    delegate.avgPool2dBackward(g, planes, gy, gyOffset, gx, gxOffset);
  }

  // ---- optimizers ---------------------------------------------------------------------------

  /**
   * Checks every argument here (the step's scalars are not arguments yet): the interface's default
   * on the delegate then uploads them and calls the delegate's scalar-reading form directly.
   */
  @Override
  public void optimizerUpdate(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      long step,
      Storage param,
      int paramOffset,
      Storage grad,
      int gradOffset,
      Storage[] state,
      int n) {
    BackendArguments.optimizerStep(
        delegate, kind, h, step, param, paramOffset, grad, gradOffset, state, n);
    delegate.optimizerUpdate(kind, h, step, param, paramOffset, grad, gradOffset, state, n);
  }

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
    BackendArguments.optimizerUpdate(
        delegate, kind, h, scalars, scalarsOffset, param, paramOffset, grad, gradOffset, state, n);
    delegate.optimizerUpdate(
        kind, h, scalars, scalarsOffset, param, paramOffset, grad, gradOffset, state, n);
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
    BackendArguments.gatherRows(
        delegate, src, srcOffset, srcRows, rowLength, indices, indicesOffset, rows, dst, dstOffset);
    delegate.gatherRows(
        src, srcOffset, srcRows, rowLength, indices, indicesOffset, rows, dst, dstOffset);
  }

  // ---- graphs, precision, control: nothing to check but presence ----------------------------

  @Override
  public boolean supportsCapture() {
    return delegate.supportsCapture();
  }

  @Override
  public boolean capturesByDefault() {
    return delegate.capturesByDefault();
  }

  @Override
  public void beginCapture() {
    delegate.beginCapture();
  }

  @Override
  public CapturedGraph endCapture() {
    return delegate.endCapture();
  }

  @Override
  public boolean expectMatmul(long inTimesOut) {
    return delegate.expectMatmul(inTimesOut);
  }

  @Override
  public void setMatmulPrecision(MatmulPrecision precision) {
    ArgumentChecks.present("setMatmulPrecision", "precision", precision);
    delegate.setMatmulPrecision(precision);
  }

  @Override
  public MatmulPrecision matmulPrecision() {
    return delegate.matmulPrecision();
  }

  @Override
  public void synchronize() {
    delegate.synchronize();
  }

  @Override
  public MemoryStats memoryStats() {
    return delegate.memoryStats();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CheckedBackend c && c.delegate == delegate;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(delegate);
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
