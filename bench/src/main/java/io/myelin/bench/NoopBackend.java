package io.myelin.bench;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Layout;
import io.myelin.backend.Backend;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.BinaryOp;
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

/**
 * A backend whose primitives do nothing: behind a {@link io.myelin.backend.CheckedBackend} it
 * isolates what the argument checks cost ({@link CheckOverhead}), free of kernel time and its
 * noise. Its storages hold no memory.
 */
final class NoopBackend implements Backend {
  @Override
  public Device device() {
    return Device.CPU;
  }

  @Override
  public String description() {
    return "no-op backend";
  }

  @Override
  public Storage allocate(DType dtype, int length) {
    return new Storage(this, dtype, length) {
      @Override
      protected void free() {}
    };
  }

  @Override
  public void copyFromHost(Object src, int so, Storage dst, int d, int n) {}

  @Override
  public void copyToHost(Storage src, int so, Object dst, int d, int n) {}

  @Override
  public void copy(Storage src, Layout sl, Storage dst, Layout dl) {}

  @Override
  public void fill(Storage dst, Layout l, double v) {}

  @Override
  public void randomUniform(Storage d, int o, int n, long s, long c, double a, double b) {}

  @Override
  public void randomNormal(Storage d, int o, int n, long s, long c, double a, double b) {}

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
      GemmOperand c) {}

  @Override
  public void unary(UnaryOp op, double a, double b, Storage x, Layout xl, Storage y, Layout yl) {}

  @Override
  public void unaryBackward(
      UnaryOp op,
      double a,
      double b,
      Storage x,
      int xo,
      Storage y,
      int yo,
      Storage gy,
      int gyo,
      Storage gx,
      int gxo,
      int n) {}

  @Override
  public void binary(
      BinaryOp op, Storage x, Layout xl, Storage y, Layout yl, Storage o, Layout ol) {}

  @Override
  public void where(
      Storage c, Layout cl, Storage x, Layout xl, Storage y, Layout yl, Storage o, Layout ol) {}

  @Override
  public void reduce(
      ReduceOp op, Storage x, int xo, int outer, int reduced, int inner, Storage out, int oo) {}

  @Override
  public void softmax(boolean log, Storage x, int xo, int r, int c, Storage y, int yo) {}

  @Override
  public void softmaxBackward(
      boolean log, Storage y, int yo, Storage gy, int gyo, Storage gx, int gxo, int r, int c) {}

  @Override
  public void crossEntropy(
      CrossEntropyOptions o,
      Storage l,
      int lo,
      Storage t,
      int to,
      Storage w,
      Storage loss,
      int losso,
      Storage total,
      int totalo) {}

  @Override
  public void crossEntropyBackward(
      CrossEntropyOptions o,
      Storage l,
      int lo,
      Storage t,
      int to,
      Storage w,
      Storage g,
      int go,
      boolean perRow,
      Storage total,
      int totalo,
      Storage gl,
      int glo) {}

  @Override
  public void batchNorm(
      BatchNormOptions o,
      Storage x,
      int xo,
      Storage g,
      Storage b,
      Storage rm,
      Storage rv,
      Storage sm,
      Storage si,
      Storage y,
      int yo) {}

  @Override
  public void batchNormBackward(
      BatchNormOptions o,
      Storage x,
      int xo,
      Storage gy,
      int gyo,
      Storage g,
      Storage sm,
      Storage si,
      Storage gx,
      int gxo,
      Storage gg,
      Storage gb) {}

  @Override
  public void layerNorm(
      int r,
      int c,
      double eps,
      Storage x,
      int xo,
      Storage g,
      Storage b,
      Storage sm,
      Storage si,
      Storage y,
      int yo) {}

  @Override
  public void layerNormBackward(
      int r,
      int c,
      Storage x,
      int xo,
      Storage gy,
      int gyo,
      Storage g,
      Storage sm,
      Storage si,
      Storage gx,
      int gxo,
      Storage gg,
      Storage gb) {}

  @Override
  public void dropout(double p, long s, long c, Storage x, int xo, Storage y, int yo, int n) {}

  @Override
  public void dropoutBackward(
      double p, long s, long c, Storage gy, int gyo, Storage gx, int gxo, int n) {}

  @Override
  public void dropoutCounted(
      double p, long s, Storage c, int co, long add, Storage x, int xo, Storage y, int yo, int n) {}

  @Override
  public void im2col(ConvGeometry g, int images, Storage x, int xo, Storage cols, int co) {}

  @Override
  public void col2im(ConvGeometry g, int images, Storage cols, int co, Storage x, int xo) {}

  @Override
  public void maxPool2d(
      PoolGeometry g, int planes, Storage x, int xo, Storage y, int yo, Storage idx, int io) {}

  @Override
  public void maxPool2dBackward(
      PoolGeometry g, int planes, Storage gy, int gyo, Storage idx, int io, Storage gx, int gxo) {}

  @Override
  public void avgPool2d(PoolGeometry g, int planes, Storage x, int xo, Storage y, int yo) {}

  @Override
  public void avgPool2dBackward(
      PoolGeometry g, int planes, Storage gy, int gyo, Storage gx, int gxo) {}

  @Override
  public void optimizerUpdate(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      Storage scalars,
      int so,
      Storage p,
      int po,
      Storage g,
      int go,
      Storage[] state,
      int n) {}

  @Override
  public void gatherRows(
      Storage src,
      int so,
      int srcRows,
      int rowLength,
      Storage idx,
      int io,
      int rows,
      Storage dst,
      int d) {}

  @Override
  public void synchronize() {}

  @Override
  public MemoryStats memoryStats() {
    return new MemoryStats(0, 0, 0, 0, 0);
  }

  @Override
  public void close() {}
}
