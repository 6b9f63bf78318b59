package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.ConvGeometry;
import io.myelin.backend.PoolGeometry;

/**
 * Plans and launches the convolution-lowering ({@code conv.cu}: im2col, col2im) and pooling ({@code
 * pool.cu}) kernels: one thread per output element of each, in a grid-stride loop. The geometry
 * travels as plain ints in the kernels' declared order. Arguments arrive validated (see {@link
 * io.myelin.backend.ConvArguments}) and as device addresses at their offsets.
 *
 * <p>Thread-safe (stateless apart from the context, which is).
 */
final class CudaConvKernels {
  private final CudaContext ctx;

  CudaConvKernels(CudaContext ctx) {
    this.ctx = ctx;
  }

  void im2col(DType dt, ConvGeometry g, int images, long x, long cols) {
    run(im2colPlan(dt, g, images, x, cols), (long) g.colRows() * images * g.outPlane());
  }

  void col2im(DType dt, ConvGeometry g, int images, long cols, long x) {
    run(col2imPlan(dt, g, images, cols, x), (long) images * g.imageSize());
  }

  void maxPool2d(DType dt, PoolGeometry g, int planes, long x, long y, long indices) {
    run(maxPool2dPlan(dt, g, planes, x, y, indices), (long) planes * g.outPlane());
  }

  void maxPool2dBackward(DType dt, PoolGeometry g, int planes, long gy, long indices, long gx) {
    run(maxPool2dBackwardPlan(dt, g, planes, gy, indices, gx), (long) planes * g.inPlane());
  }

  void avgPool2d(DType dt, PoolGeometry g, int planes, long x, long y) {
    run(avgPool2dPlan(dt, g, planes, x, y), (long) planes * g.outPlane());
  }

  void avgPool2dBackward(DType dt, PoolGeometry g, int planes, long gy, long gx) {
    run(avgPool2dBackwardPlan(dt, g, planes, gy, gx), (long) planes * g.inPlane());
  }

  private void run(KernelLaunch l, long elements) {
    if (elements > 0) {
      ctx.launch(
          l.kernel(), LaunchShape.linear(elements, LaunchShape.THREADS, ctx.maxBlocks()), l.args());
    }
  }

  // ---- plans (tests check them against the .cu declarations without a GPU) -------------------

  static KernelLaunch im2colPlan(DType dt, ConvGeometry g, int images, long x, long cols) {
    return new KernelLaunch("im2col_" + dt.shortName(), conv(g, images).ptr(x).ptr(cols));
  }

  static KernelLaunch col2imPlan(DType dt, ConvGeometry g, int images, long cols, long x) {
    return new KernelLaunch("col2im_" + dt.shortName(), conv(g, images).ptr(cols).ptr(x));
  }

  static KernelLaunch maxPool2dPlan(
      DType dt, PoolGeometry g, int planes, long x, long y, long indices) {
    return new KernelLaunch(
        "max_pool2d_" + dt.shortName(), pool(g, planes).ptr(x).ptr(y).ptr(indices));
  }

  static KernelLaunch maxPool2dBackwardPlan(
      DType dt, PoolGeometry g, int planes, long gy, long indices, long gx) {
    return new KernelLaunch(
        "max_pool2d_bwd_" + dt.shortName(), pool(g, planes).ptr(gy).ptr(indices).ptr(gx));
  }

  static KernelLaunch avgPool2dPlan(DType dt, PoolGeometry g, int planes, long x, long y) {
    return new KernelLaunch("avg_pool2d_" + dt.shortName(), pool(g, planes).ptr(x).ptr(y));
  }

  static KernelLaunch avgPool2dBackwardPlan(
      DType dt, PoolGeometry g, int planes, long gy, long gx) {
    return new KernelLaunch("avg_pool2d_bwd_" + dt.shortName(), pool(g, planes).ptr(gy).ptr(gx));
  }

  private static KernelArgs conv(ConvGeometry g, int images) {
    return new KernelArgs()
        .i32(images)
        .i32(g.channels())
        .i32(g.height())
        .i32(g.width())
        .i32(g.kernelH())
        .i32(g.kernelW())
        .i32(g.strideH())
        .i32(g.strideW())
        .i32(g.padH())
        .i32(g.padW())
        .i32(g.dilationH())
        .i32(g.dilationW())
        .i32(g.outH())
        .i32(g.outW());
  }

  private static KernelArgs pool(PoolGeometry g, int planes) {
    return new KernelArgs()
        .i32(planes)
        .i32(g.height())
        .i32(g.width())
        .i32(g.kernelH())
        .i32(g.kernelW())
        .i32(g.strideH())
        .i32(g.strideW())
        .i32(g.padH())
        .i32(g.padW())
        .i32(g.outH())
        .i32(g.outW())
        .flag(g.countIncludePad());
  }
}
