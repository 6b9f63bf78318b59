package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.UnaryOp;

/**
 * Launches the element-wise, reduction, softmax, random and row-gather kernels of myelin-kernels
 * with the naming of {@code common.cuh} ({@code <root>_<dtype>}). Arguments arrive validated and as
 * raw device addresses already at their offsets; this class only chooses kernels and launch shapes.
 *
 * <p>Thread-safe (stateless apart from the context, which is).
 */
final class CudaKernels {
  private final CudaContext ctx;

  CudaKernels(CudaContext ctx) {
    this.ctx = ctx;
  }

  private LaunchShape linear(long n) {
    return LaunchShape.linear(n, LaunchShape.THREADS, ctx.maxBlocks());
  }

  /** {@code y = op(x; a, b)} over a packed two-operand descriptor (x, y). */
  void unary(UnaryOp op, DType dt, double a, double b, int[] desc, long n, long x, long y) {
    ctx.launch(
        op.kernelName() + "_" + dt.shortName(),
        linear(n),
        new KernelArgs().struct(desc).i64(n).ptr(x).ptr(y).f64(a).f64(b));
  }

  /** {@code gx = gy * op'(x, y)} over n contiguous elements. */
  void unaryBackward(
      UnaryOp op, DType dt, double a, double b, long n, long x, long y, long gy, long gx) {
    ctx.launch(
        op.kernelName() + "_bwd_" + dt.shortName(),
        linear(n),
        new KernelArgs().i64(n).ptr(x).ptr(y).ptr(gy).ptr(gx).f64(a).f64(b));
  }

  /** {@code out = op(x, y)} over a packed three-operand descriptor (x, y, out). */
  void binary(BinaryOp op, DType dt, int[] desc, long n, long x, long y, long out) {
    ctx.launch(
        op.kernelName() + "_" + dt.shortName(),
        linear(n),
        new KernelArgs().struct(desc).i64(n).ptr(x).ptr(y).ptr(out));
  }

  /** {@code out = cond != 0 ? x : y} over a packed four-operand descriptor (cond, x, y, out). */
  void where(DType dt, int[] desc, long n, long cond, long x, long y, long out) {
    ctx.launch(
        "where_" + dt.shortName(),
        linear(n),
        new KernelArgs().struct(desc).i64(n).ptr(cond).ptr(x).ptr(y).ptr(out));
  }

  /** Sets every element of a one-operand view; {@code value} is converted as Java casts do. */
  void fill(DType dt, int[] desc, long n, long dst, double value) {
    KernelArgs args = new KernelArgs().struct(desc).i64(n).ptr(dst);
    switch (dt) {
      case FLOAT32 -> args.f32((float) value);
      case FLOAT64 -> args.f64(value);
      case INT32 -> args.i32((int) value);
    }
    ctx.launch("fill_" + dt.shortName(), linear(n), args);
  }

  /** Strided copy with conversion over a packed two-operand descriptor (src, dst). */
  void copy(DType from, DType to, int[] desc, long n, long src, long dst) {
    ctx.launch(
        "copy_" + from.shortName() + "_" + to.shortName(),
        linear(n),
        new KernelArgs().struct(desc).i64(n).ptr(src).ptr(dst));
  }

  /**
   * Reduces [outer, reduced, inner] into [outer, inner]: the row kernel when inner == 1 (one block
   * per output), else the column kernel (32 x 8 blocks over tiles of 32 inner positions).
   */
  void reduce(ReduceOp op, DType dt, int outer, int reduced, int inner, long x, long out) {
    KernelArgs args = new KernelArgs().i32(outer).i32(reduced).i32(inner).ptr(x).ptr(out);
    if (inner == 1) {
      ctx.launch(
          op.kernelName() + "_rows_" + dt.shortName(),
          LaunchShape.perItem(outer, LaunchShape.THREADS, ctx.maxBlocks()),
          args);
    } else {
      long tiles = (long) outer * ((inner + 31) / 32);
      int blocks = (int) Math.max(1, Math.min(tiles, ctx.maxBlocks()));
      ctx.launch(
          op.kernelName() + "_cols_" + dt.shortName(), new LaunchShape(blocks, 1, 1, 32, 8), args);
    }
  }

  /** Row-wise softmax or log-softmax of [rows, cols]. */
  void softmax(boolean log, DType dt, int rows, int cols, long x, long y) {
    ctx.launch(
        (log ? "log_softmax_" : "softmax_") + dt.shortName(),
        LaunchShape.perItem(rows, LaunchShape.threadsForRow(cols), ctx.maxBlocks()),
        new KernelArgs().i32(rows).i32(cols).ptr(x).ptr(y));
  }

  /** Row-wise backward of softmax or log-softmax from the output y. */
  void softmaxBackward(boolean log, DType dt, int rows, int cols, long y, long gy, long gx) {
    ctx.launch(
        (log ? "log_softmax_bwd_" : "softmax_bwd_") + dt.shortName(),
        LaunchShape.perItem(rows, LaunchShape.threadsForRow(cols), ctx.maxBlocks()),
        new KernelArgs().i32(rows).i32(cols).ptr(y).ptr(gy).ptr(gx));
  }

  /** Philox uniform ({@code normal == false}) or normal fill of n contiguous elements. */
  void random(
      boolean normal, DType dt, long dst, long n, long seed, long counter, double p, double q) {
    ctx.launch(
        (normal ? "normal_" : "uniform_") + dt.shortName(),
        linear((n + 3) / 4),
        new KernelArgs().ptr(dst).i64(n).i64(seed).i64(counter).f64(p).f64(q));
  }

  /**
   * Row gather: dst row r = src row indices[r] for r in [0, rows), rows of {@code rowLength}
   * elements of {@code elementBytes} (4 or 8) bytes; a row whose index lies outside [0, srcRows) is
   * left as it was (indices live on the device and are not checked on the host).
   */
  void gatherRows(
      int elementBytes, long src, int srcRows, int rowLength, long indices, int rows, long dst) {
    KernelLaunch l = gatherRowsPlan(elementBytes, src, srcRows, rowLength, indices, rows, dst);
    ctx.launch(l.kernel(), linear((long) rows * rowLength), l.args());
  }

  /** The gather kernel for an element width and its arguments (tests check them without a GPU). */
  static KernelLaunch gatherRowsPlan(
      int elementBytes, long src, int srcRows, int rowLength, long indices, int rows, long dst) {
    if (elementBytes != 4 && elementBytes != 8) {
      throw new IllegalArgumentException(
          "gatherRows copies 4- or 8-byte elements, got " + elementBytes);
    }
    return new KernelLaunch(
        "gather_rows_b" + elementBytes * 8,
        new KernelArgs().ptr(src).i32(srcRows).i32(rowLength).ptr(indices).i32(rows).ptr(dst));
  }

  /** The raw Philox words of {@code blocks} blocks into an int32 buffer (tests and diagnostics). */
  void philoxWords(long dst, long blocks, long seed, long counter) {
    ctx.launch(
        "philox_words_i32",
        linear(blocks),
        new KernelArgs().ptr(dst).i64(blocks).i64(seed).i64(counter));
  }
}
