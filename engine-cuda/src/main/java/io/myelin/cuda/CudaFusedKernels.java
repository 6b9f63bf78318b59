package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.CrossEntropyOptions;

/**
 * Plans the launches of the fused loss, normalisation and dropout kernels ({@code loss.cu}, {@code
 * norm.cu}, {@code dropout.cu}): kernel names, arguments and launch shapes. Arguments arrive
 * validated as raw device addresses already at their offsets, 0 for an absent (null) operand; the
 * kernels test those pointers. The planning is separate from launching so tests without a GPU can
 * check each launch against the kernel's declaration.
 *
 * <p>Stateless apart from the SM count used to cap grids; thread-safe.
 */
final class CudaFusedKernels {
  /** One launch: the kernel, its shape and its arguments. */
  record Launch(String kernel, LaunchShape shape, KernelArgs args) {}

  private final int maxBlocks;

  CudaFusedKernels(int maxBlocks) {
    this.maxBlocks = maxBlocks;
  }

  private static String name(String root, DType dt) {
    return root + "_" + dt.shortName();
  }

  /** Per-row losses into {@code loss} and, when {@code den != 0}, per-row denominators. */
  Launch crossEntropy(
      CrossEntropyOptions o,
      DType dt,
      long x,
      long labels,
      long probs,
      long weight,
      long loss,
      long den) {
    return new Launch(
        name("ce_forward", dt),
        LaunchShape.perItem(o.rows(), LaunchShape.threadsForRow(o.classes()), maxBlocks),
        new KernelArgs()
            .i32(o.rows())
            .i32(o.classes())
            .ptr(x)
            .ptr(labels)
            .ptr(probs)
            .ptr(weight)
            .i32(o.ignoreIndex())
            .real(dt, o.labelSmoothing())
            .ptr(loss)
            .ptr(den));
  }

  /** {@code total[0..1]} from the per-row losses and denominators: one block, fixed order. */
  Launch crossEntropyTotal(CrossEntropyOptions o, DType dt, long loss, long den, long total) {
    return new Launch(
        name("ce_total", dt),
        new LaunchShape(1, 1, 1, LaunchShape.THREADS, 1),
        new KernelArgs().i32(o.rows()).ptr(loss).ptr(den).flag(o.mean()).ptr(total));
  }

  Launch crossEntropyBackward(
      CrossEntropyOptions o,
      DType dt,
      long x,
      long labels,
      long probs,
      long weight,
      long gradOut,
      boolean perRow,
      long total,
      long gx) {
    return new Launch(
        name("ce_backward", dt),
        LaunchShape.perItem(o.rows(), LaunchShape.threadsForRow(o.classes()), maxBlocks),
        new KernelArgs()
            .i32(o.rows())
            .i32(o.classes())
            .ptr(x)
            .ptr(labels)
            .ptr(probs)
            .ptr(weight)
            .i32(o.ignoreIndex())
            .real(dt, o.labelSmoothing())
            .ptr(gradOut)
            .flag(perRow)
            .ptr(o.mean() ? total : 0)
            .ptr(gx));
  }

  Launch batchNorm(
      BatchNormOptions o,
      DType dt,
      long x,
      long gamma,
      long beta,
      long runMean,
      long runVar,
      long saveMean,
      long saveInvStd,
      long y) {
    KernelArgs a =
        new KernelArgs()
            .i32(o.batch())
            .i32(o.channels())
            .i32(o.spatial())
            .ptr(x)
            .ptr(gamma)
            .ptr(beta)
            .ptr(runMean)
            .ptr(runVar);
    if (o.training()) {
      a.f64(o.momentum()).f64(o.eps()).ptr(saveMean).ptr(saveInvStd).ptr(y);
      return new Launch(
          name("bn_forward_train", dt),
          LaunchShape.perItem(o.channels(), LaunchShape.threadsForRow(o.perChannel()), maxBlocks),
          a);
    }
    a.f64(o.eps()).ptr(saveMean).ptr(saveInvStd).ptr(y);
    return new Launch(
        name("bn_forward_infer", dt),
        LaunchShape.linear(Math.max(o.size(), o.channels()), LaunchShape.THREADS, maxBlocks),
        a);
  }

  Launch batchNormBackward(
      BatchNormOptions o,
      DType dt,
      long x,
      long gy,
      long gamma,
      long saveMean,
      long saveInvStd,
      long gx,
      long gGamma,
      long gBeta) {
    return new Launch(
        name("bn_backward", dt),
        LaunchShape.perItem(o.channels(), LaunchShape.threadsForRow(o.perChannel()), maxBlocks),
        new KernelArgs()
            .i32(o.batch())
            .i32(o.channels())
            .i32(o.spatial())
            .flag(o.training())
            .ptr(x)
            .ptr(gy)
            .ptr(gamma)
            .ptr(saveMean)
            .ptr(saveInvStd)
            .ptr(gx)
            .ptr(gGamma)
            .ptr(gBeta));
  }

  Launch layerNorm(
      int rows,
      int cols,
      double eps,
      DType dt,
      long x,
      long gamma,
      long beta,
      long saveMean,
      long saveInvStd,
      long y) {
    return new Launch(
        name("ln_forward", dt),
        LaunchShape.perItem(rows, LaunchShape.threadsForRow(cols), maxBlocks),
        new KernelArgs()
            .i32(rows)
            .i32(cols)
            .f64(eps)
            .ptr(x)
            .ptr(gamma)
            .ptr(beta)
            .ptr(saveMean)
            .ptr(saveInvStd)
            .ptr(y));
  }

  /** gx, one block per row. */
  Launch layerNormBackwardRows(
      int rows,
      int cols,
      DType dt,
      long x,
      long gy,
      long gamma,
      long saveMean,
      long saveInvStd,
      long gx) {
    return new Launch(
        name("ln_backward_rows", dt),
        LaunchShape.perItem(rows, LaunchShape.threadsForRow(cols), maxBlocks),
        new KernelArgs()
            .i32(rows)
            .i32(cols)
            .ptr(x)
            .ptr(gy)
            .ptr(gamma)
            .ptr(saveMean)
            .ptr(saveInvStd)
            .ptr(gx));
  }

  /** dgamma and dbeta: 32 x 8 blocks over tiles of 32 columns. */
  Launch layerNormBackwardColumns(
      int rows,
      int cols,
      DType dt,
      long x,
      long gy,
      long saveMean,
      long saveInvStd,
      long gGamma,
      long gBeta) {
    int tiles = (cols + 31) / 32;
    return new Launch(
        name("ln_backward_cols", dt),
        new LaunchShape(Math.max(1, Math.min(tiles, maxBlocks)), 1, 1, 32, 8),
        new KernelArgs()
            .i32(rows)
            .i32(cols)
            .ptr(x)
            .ptr(gy)
            .ptr(saveMean)
            .ptr(saveInvStd)
            .ptr(gGamma)
            .ptr(gBeta));
  }

  /** Forward and backward alike: {@code out = in * mask}. */
  Launch dropout(double p, long seed, long counter, DType dt, long in, long out, int n) {
    return new Launch(
        name("dropout", dt),
        LaunchShape.linear((n + 3L) / 4, LaunchShape.THREADS, maxBlocks),
        new KernelArgs()
            .i64(n)
            .i64(seed)
            .i64(counter)
            .real(dt, p)
            .real(dt, 1 / (1 - p))
            .ptr(in)
            .ptr(out));
  }

  /** {@link #dropout} with the counter read from {@code cell} (a double) plus {@code add}. */
  Launch dropoutCounted(
      double p, long seed, long cell, long add, DType dt, long in, long out, int n) {
    return new Launch(
        name("dropout_counted", dt),
        LaunchShape.linear((n + 3L) / 4, LaunchShape.THREADS, maxBlocks),
        new KernelArgs()
            .i64(n)
            .i64(seed)
            .ptr(cell)
            .i64(add)
            .real(dt, p)
            .real(dt, 1 / (1 - p))
            .ptr(in)
            .ptr(out));
  }
}
