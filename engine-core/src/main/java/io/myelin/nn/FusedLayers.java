package io.myelin.nn;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.DifferentiableOp;
import io.myelin.autograd.ForwardAD;
import io.myelin.autograd.OpContext;
import io.myelin.backend.Backend;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.Storage;

/**
 * Layers that run as one backend primitive forward and one backward, each written as a {@link
 * DifferentiableOp}: {@link #dropout} (the backward regenerates the mask from the Philox stream,
 * nothing is stored), {@link #layerNorm} and {@link #batchNorm} (the forward saves the per-row or
 * per-channel mean and inverse standard deviation for the backward). {@link Dropout}, {@link
 * LayerNorm} and {@link BatchNorm1d}/{@code 2d} use them; on a GPU each is one launch each way
 * instead of a chain of element-wise kernels and reductions.
 */
public final class FusedLayers {
  private FusedLayers() {}

  /**
   * Inverted dropout of a floating tensor: each element is zeroed with probability {@code p} and
   * the rest scaled by {@code 1 / (1 - p)}, the mask drawn from {@code generator} (advanced by the
   * tensor's element count), so exactly the elements that {@code x.mul(Tensor.uniform(..,
   * generator, 0, 1, shape).ge(p).mul(1 / (1 - p)))} would keep, on any backend.
   *
   * <pre>{@code
   * Tensor y = FusedLayers.dropout(x, 0.5, new Generator(1));
   * }</pre>
   *
   * @param p drop probability in [0, 1)
   */
  public static Tensor dropout(Tensor input, double p, Generator generator) {
    checkFloating("dropout", input);
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
    }
    int n = input.numel();
    long seed = generator.seed();
    long counter = generator.reserve(n);
    // Inside a training step the counter is read on the device (see Generator#bindDevice).
    Tensor cell = generator.boundCounter(input.device());
    long add = counter - generator.boundBase();
    return new DifferentiableOp("dropout") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor x = in[0].contiguous();
        Tensor y = Tensor.empty(x.device(), x.dtype(), x.shape());
        if (cell != null) {
          backend(x)
              .dropoutCounted(
                  p,
                  seed,
                  cell.storage(),
                  0,
                  add,
                  x.storage(),
                  x.layout().offset(),
                  y.storage(),
                  0,
                  n);
        } else {
          backend(x).dropout(p, seed, counter, x.storage(), x.layout().offset(), y.storage(), 0, n);
        }
        return y;
      }

      // d y / d x = the same mask, regenerated from (seed, counter). When the gradient must be
      // differentiable again (createGraph, or tangents propagated) it is gy * (mask * scale),
      // the scaled mask regenerated as a constant by the same primitive applied to ones: linear
      // in gy, so its own derivative is the same mask.
      @Override
      protected Tensor[] backward(OpContext ctx, Tensor g) {
        if (differentiableGradient()) {
          Tensor scaledMask;
          try (var ignored = Autograd.noGrad();
              var suspended = ForwardAD.suspend()) {
            scaledMask = masked(Tensor.onesLike(g));
          }
          return new Tensor[] {g.mul(scaledMask)};
        }
        return new Tensor[] {masked(g)};
      }

      /** {@code g * mask / (1 - p)} by the backend primitive, the primal's mask. */
      private Tensor masked(Tensor g) {
        Tensor gc = g.contiguous();
        Tensor gx = Tensor.empty(gc.device(), gc.dtype(), gc.shape());
        if (cell != null) {
          backend(gc)
              .dropoutCounted(
                  p,
                  seed,
                  cell.storage(),
                  0,
                  add,
                  gc.storage(),
                  gc.layout().offset(),
                  gx.storage(),
                  0,
                  n);
        } else {
          backend(gc)
              .dropoutBackward(
                  p, seed, counter, gc.storage(), gc.layout().offset(), gx.storage(), 0, n);
        }
        return gx;
      }

      // Tangent: dropout is linear in x with the primal's mask, so dy = mask * dx / (1 - p): the
      // backward applied to dx (the same Philox stream, the same mask).
      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        return backward(ctx, t[0])[0];
      }
    }.apply(input);
  }

  /**
   * Layer normalisation over the last {@code cols} elements of each row: {@code y = (x - mean) /
   * sqrt(var + eps) * gamma + beta} with the biased variance, as PyTorch's {@code layer_norm}.
   * Differentiable with respect to x, gamma and beta.
   *
   * @param cols elements per row (the product of the normalized shape); divides x's size
   * @param gamma scale of {@code cols} elements, or null (no affine; then beta is null too)
   * @param beta shift of {@code cols} elements, or null
   */
  public static Tensor layerNorm(Tensor input, int cols, double eps, Tensor gamma, Tensor beta) {
    checkFloating("layerNorm", input);
    int rows = input.numel() / cols;
    return new DifferentiableOp("layerNorm") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor x = in[0].contiguous();
        Tensor g = contiguous(in[1]);
        Tensor b = contiguous(in[2]);
        Tensor mean = Tensor.empty(x.device(), x.dtype(), rows);
        Tensor invStd = Tensor.empty(x.device(), x.dtype(), rows);
        Tensor y = Tensor.empty(x.device(), x.dtype(), x.shape());
        backend(x)
            .layerNorm(
                rows,
                cols,
                eps,
                x.storage(),
                x.layout().offset(),
                storage(g),
                storage(b),
                mean.storage(),
                invStd.storage(),
                y.storage(),
                0);
        ctx.save(x, g, mean, invStd);
        return y;
      }

      // gx, dgamma, dbeta from x, gy and the saved statistics (see Backend#layerNormBackward);
      // with tensor ops when the gradient must be differentiable again (NormalizationGradients).
      @Override
      protected Tensor[] backward(OpContext ctx, Tensor gy) {
        if (differentiableGradient()) {
          Tensor[] gs =
              NormalizationGradients.of(
                  input.reshape(rows, cols),
                  gy.reshape(rows, cols),
                  new int[] {1},
                  new int[] {0},
                  eps,
                  null,
                  null,
                  NormalizationTangents.shaped(gamma, 1, cols),
                  gamma == null ? null : gamma.shape(),
                  wanted(ctx));
          if (gs[0] != null) {
            gs[0] = gs[0].reshape(input.shape());
          }
          return gs;
        }
        Tensor x = ctx.saved(0);
        Tensor gc = gy.contiguous();
        Tensor gx = ctx.needsInputGrad(0) ? Tensor.empty(x.device(), x.dtype(), x.shape()) : null;
        Tensor gg =
            ctx.needsInputGrad(1) ? Tensor.empty(x.device(), x.dtype(), gamma.shape()) : null;
        Tensor gb =
            ctx.needsInputGrad(2) ? Tensor.empty(x.device(), x.dtype(), beta.shape()) : null;
        backend(x)
            .layerNormBackward(
                rows,
                cols,
                x.storage(),
                x.layout().offset(),
                gc.storage(),
                gc.layout().offset(),
                storage(ctx.saved(1)),
                ctx.saved(2).storage(),
                ctx.saved(3).storage(),
                storage(gx),
                0,
                storage(gg),
                storage(gb));
        return new Tensor[] {gx, gg, gb};
      }

      // Tangent: see NormalizationTangents, statistics per row over its cols elements.
      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        Tensor dy =
            NormalizationTangents.tangent(
                ctx.saved(0).reshape(rows, cols),
                ctx.saved(2).reshape(rows, 1),
                ctx.saved(3).reshape(rows, 1),
                new int[] {1},
                true,
                NormalizationTangents.shaped(ctx.saved(1), 1, cols),
                NormalizationTangents.shaped(t[0], rows, cols),
                NormalizationTangents.shaped(t[1], 1, cols),
                NormalizationTangents.shaped(t[2], 1, cols));
        return dy.reshape(input.shape());
      }
    }.apply(input, gamma, beta);
  }

  /**
   * Batch normalisation of {@code [N, C, ...]} per channel (see {@link BatchNormOptions} and {@link
   * Backend#batchNorm}): in training with the batch's mean and biased variance, updating {@code
   * runningMean}/{@code runningVar} in place when given; in inference with the running statistics.
   * Differentiable with respect to x, gamma and beta (in inference the statistics are constants).
   *
   * @param training statistics from the batch (and running statistics updated when given) rather
   *     than from {@code runningMean}/{@code runningVar}
   * @param gamma scale of {@code C} elements, or null (no affine; then beta is null too)
   * @param beta shift of {@code C} elements, or null
   * @param runningMean {@code C} elements of the input's dtype, or null (batch statistics only, no
   *     tracking; then runningVar is null too)
   * @param runningVar {@code C} elements, or null
   */
  public static Tensor batchNorm(
      Tensor input,
      boolean training,
      double momentum,
      double eps,
      Tensor gamma,
      Tensor beta,
      Tensor runningMean,
      Tensor runningVar) {
    checkFloating("batchNorm", input);
    for (Tensor running : new Tensor[] {runningMean, runningVar}) {
      if (running != null && (!running.isContiguous() || running.layout().offset() != 0)) {
        throw new IllegalArgumentException(
            "batchNorm: the running statistics are updated in place"
                + " and must be contiguous tensors of their own, not views into another tensor");
      }
    }
    int[] s = input.shape();
    int channels = s[1];
    int spatial = 1;
    for (int d = 2; d < s.length; d++) {
      spatial *= s[d];
    }
    var o = new BatchNormOptions(s[0], channels, spatial, training, momentum, eps);
    return new DifferentiableOp("batchNorm") {
      @Override
      protected Tensor forward(OpContext ctx, Tensor... in) {
        Tensor x = in[0].contiguous();
        Tensor g = contiguous(in[1]);
        Tensor b = contiguous(in[2]);
        Tensor mean = Tensor.empty(x.device(), x.dtype(), channels);
        Tensor invStd = Tensor.empty(x.device(), x.dtype(), channels);
        Tensor y = Tensor.empty(x.device(), x.dtype(), s);
        backend(x)
            .batchNorm(
                o,
                x.storage(),
                x.layout().offset(),
                storage(g),
                storage(b),
                storage(runningMean),
                storage(runningVar),
                mean.storage(),
                invStd.storage(),
                y.storage(),
                0);
        ctx.save(x, g, mean, invStd);
        return y;
      }

      // gx, dgamma, dbeta from x, gy and the statistics used (see Backend#batchNormBackward);
      // with tensor ops when the gradient must be differentiable again (NormalizationGradients:
      // in training the statistics are recomputed from x, in inference they are constants).
      @Override
      protected Tensor[] backward(OpContext ctx, Tensor gy) {
        if (differentiableGradient()) {
          int n = s[0];
          int sp = o.spatial();
          Tensor[] gs =
              NormalizationGradients.of(
                  input.reshape(n, channels, sp),
                  gy.reshape(n, channels, sp),
                  new int[] {0, 2},
                  new int[] {0, 2},
                  eps,
                  training ? null : ctx.saved(2).reshape(1, channels, 1),
                  training ? null : ctx.saved(3).reshape(1, channels, 1),
                  NormalizationTangents.shaped(gamma, 1, channels, 1),
                  gamma == null ? null : gamma.shape(),
                  wanted(ctx));
          if (gs[0] != null) {
            gs[0] = gs[0].reshape(s);
          }
          return gs;
        }
        Tensor x = ctx.saved(0);
        Tensor gc = gy.contiguous();
        Tensor gx = ctx.needsInputGrad(0) ? Tensor.empty(x.device(), x.dtype(), s) : null;
        Tensor gg =
            ctx.needsInputGrad(1) ? Tensor.empty(x.device(), x.dtype(), gamma.shape()) : null;
        Tensor gb =
            ctx.needsInputGrad(2) ? Tensor.empty(x.device(), x.dtype(), beta.shape()) : null;
        backend(x)
            .batchNormBackward(
                o,
                x.storage(),
                x.layout().offset(),
                gc.storage(),
                gc.layout().offset(),
                storage(ctx.saved(1)),
                ctx.saved(2).storage(),
                ctx.saved(3).storage(),
                storage(gx),
                0,
                storage(gg),
                storage(gb));
        return new Tensor[] {gx, gg, gb};
      }

      // Tangent: see NormalizationTangents, statistics per channel over batch and spatial
      // elements; in inference they are the running statistics, constants.
      @Override
      protected Tensor tangent(OpContext ctx, Tensor... t) {
        int n = s[0];
        Tensor dy =
            NormalizationTangents.tangent(
                ctx.saved(0).reshape(n, channels, o.spatial()),
                ctx.saved(2).reshape(1, channels, 1),
                ctx.saved(3).reshape(1, channels, 1),
                new int[] {0, 2},
                training,
                NormalizationTangents.shaped(ctx.saved(1), 1, channels, 1),
                NormalizationTangents.shaped(t[0], n, channels, o.spatial()),
                NormalizationTangents.shaped(t[1], 1, channels, 1),
                NormalizationTangents.shaped(t[2], 1, channels, 1));
        return dy.reshape(s);
      }
    }.apply(input, gamma, beta);
  }

  /**
   * True when a backward must return a differentiable gradient: gradients are being recorded (a
   * backward with {@code createGraph}) or tangents propagated (forward over reverse). Otherwise the
   * backend primitive runs (first order, one launch).
   */
  static boolean differentiableGradient() {
    return Autograd.isGradEnabled() || ForwardAD.isPropagating();
  }

  /** Which of the op's three inputs (x, gamma, beta) need a gradient. */
  private static boolean[] wanted(OpContext ctx) {
    return new boolean[] {ctx.needsInputGrad(0), ctx.needsInputGrad(1), ctx.needsInputGrad(2)};
  }

  static void checkFloating(String op, Tensor t) {
    if (!t.dtype().isFloating()) {
      throw new IllegalArgumentException(
          op
              + ": needs a floating-point tensor, got "
              + t.dtype().shortName()
              + " (convert with .to(DType.FLOAT32))");
    }
  }

  /** The backend holding {@code t}'s storage (what {@code Tensor}'s own ops call). */
  static Backend backend(Tensor t) {
    return t.storage().backend();
  }

  /**
   * {@code t} as the backend reads gamma, beta and the running statistics: contiguous from offset 0
   * of its storage (a view such as {@code p.narrow(0, 6, 3)} is copied), or null.
   */
  private static Tensor contiguous(Tensor t) {
    return t == null ? null : t.isContiguous() && t.layout().offset() == 0 ? t : t.copy();
  }

  private static Storage storage(Tensor t) {
    return t == null ? null : t.storage();
  }
}
