package io.myelin;

import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.Storage;

/**
 * Layers that run as one backend primitive forward and one backward: {@link #dropout} (the
 * backward regenerates the mask from the Philox stream, nothing is stored), {@link #layerNorm}
 * and {@link #batchNorm} (the forward saves the per-row or per-channel mean and inverse standard
 * deviation for the backward). {@link io.myelin.nn.Dropout}, {@link io.myelin.nn.LayerNorm} and
 * {@link io.myelin.nn.BatchNorm1d}/{@code 2d} use them; on a GPU each is one launch each way
 * instead of a chain of element-wise kernels and reductions.
 */
public final class FusedLayers {
  private FusedLayers() {}

  /**
   * Inverted dropout of a floating tensor: each element is zeroed with probability {@code p} and
   * the rest scaled by {@code 1 / (1 - p)}, the mask drawn from {@code generator} (advanced by
   * the tensor's element count), so exactly the elements that {@code x.mul(Tensor.uniform(..,
   * generator, 0, 1, shape).ge(p).mul(1 / (1 - p)))} would keep, on any backend.
   *
   * <pre>{@code
   * Tensor y = FusedLayers.dropout(x, 0.5, new Generator(1));
   * }</pre>
   *
   * @param p drop probability in [0, 1)
   */
  public static Tensor dropout(Tensor input, double p, Generator generator) {
    Tensor.checkFloating("dropout", input.dtype());
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
    }
    Tensor x = input.contiguous();
    int n = x.numel();
    long seed = generator.seed();
    long counter = generator.reserve(n);
    Tensor y = Tensor.empty(input.device(), input.dtype(), input.shape());
    input.backend().dropout(p, seed, counter, x.storage(), x.layout().offset(), y.storage(), 0, n);
    // d y / d x = the same mask, regenerated from (seed, counter).
    return Tensor.record("dropout", y, g -> {
      Tensor gc = g.contiguous();
      Tensor gx = Tensor.empty(gc.device(), gc.dtype(), gc.shape());
      gc.backend().dropoutBackward(
          p, seed, counter, gc.storage(), gc.layout().offset(), gx.storage(), 0, n);
      return new Tensor[] {gx};
    }, input);
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
    Tensor.checkFloating("layerNorm", input.dtype());
    int rows = input.numel() / cols;
    Tensor x = input.contiguous();
    Tensor g = gamma == null ? null : gamma.contiguous();
    Tensor b = beta == null ? null : beta.contiguous();
    Tensor mean = Tensor.empty(input.device(), input.dtype(), rows);
    Tensor invStd = Tensor.empty(input.device(), input.dtype(), rows);
    Tensor y = Tensor.empty(input.device(), input.dtype(), input.shape());
    input.backend().layerNorm(rows, cols, eps, x.storage(), x.layout().offset(), storage(g),
        storage(b), mean.storage(), invStd.storage(), y.storage(), 0);
    // gx, dgamma, dbeta from x, gy and the saved statistics (see Backend#layerNormBackward).
    return Tensor.record("layerNorm", y, gy -> {
      Tensor gc = gy.contiguous();
      Tensor gx = input.requiresGrad() ? Tensor.empty(x.device(), x.dtype(), input.shape()) : null;
      Tensor gg = gamma != null && gamma.requiresGrad() ? Tensor.empty(x.device(), x.dtype(), gamma.shape()) : null;
      Tensor gb = beta != null && beta.requiresGrad() ? Tensor.empty(x.device(), x.dtype(), beta.shape()) : null;
      x.backend().layerNormBackward(rows, cols, x.storage(), x.layout().offset(), gc.storage(),
          gc.layout().offset(), storage(g), mean.storage(), invStd.storage(), storage(gx), 0,
          storage(gg), storage(gb));
      return new Tensor[] {gx, gg, gb};
    }, input, gamma, beta);
  }

  /**
   * Batch normalisation of {@code [N, C, ...]} per channel (see {@link BatchNormOptions} and
   * {@link io.myelin.backend.Backend#batchNorm}): in training with the batch's mean and biased
   * variance, updating {@code runningMean}/{@code runningVar} in place when given; in inference
   * with the running statistics. Differentiable with respect to x, gamma and beta (in inference
   * the statistics are constants).
   *
   * @param training statistics from the batch (and running statistics updated when given)
   *     rather than from {@code runningMean}/{@code runningVar}
   * @param gamma scale of {@code C} elements, or null (no affine; then beta is null too)
   * @param beta shift of {@code C} elements, or null
   * @param runningMean {@code C} elements of the input's dtype, or null (batch statistics only,
   *     no tracking; then runningVar is null too)
   * @param runningVar {@code C} elements, or null
   */
  public static Tensor batchNorm(Tensor input, boolean training, double momentum, double eps,
      Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar) {
    Tensor.checkFloating("batchNorm", input.dtype());
    int[] s = input.shape();
    int channels = s[1];
    int spatial = Shapes.product(s, 2, s.length);
    var o = new BatchNormOptions(s[0], channels, spatial, training, momentum, eps);
    Tensor x = input.contiguous();
    Tensor g = gamma == null ? null : gamma.contiguous();
    Tensor b = beta == null ? null : beta.contiguous();
    Tensor mean = Tensor.empty(input.device(), input.dtype(), channels);
    Tensor invStd = Tensor.empty(input.device(), input.dtype(), channels);
    Tensor y = Tensor.empty(input.device(), input.dtype(), s);
    input.backend().batchNorm(o, x.storage(), x.layout().offset(), storage(g), storage(b),
        storage(runningMean), storage(runningVar), mean.storage(), invStd.storage(),
        y.storage(), 0);
    // gx, dgamma, dbeta from x, gy and the statistics used (see Backend#batchNormBackward).
    return Tensor.record("batchNorm", y, gy -> {
      Tensor gc = gy.contiguous();
      Tensor gx = input.requiresGrad() ? Tensor.empty(x.device(), x.dtype(), s) : null;
      Tensor gg = gamma != null && gamma.requiresGrad() ? Tensor.empty(x.device(), x.dtype(), gamma.shape()) : null;
      Tensor gb = beta != null && beta.requiresGrad() ? Tensor.empty(x.device(), x.dtype(), beta.shape()) : null;
      x.backend().batchNormBackward(o, x.storage(), x.layout().offset(), gc.storage(),
          gc.layout().offset(), storage(g), mean.storage(), invStd.storage(), storage(gx), 0,
          storage(gg), storage(gb));
      return new Tensor[] {gx, gg, gb};
    }, input, gamma, beta);
  }

  private static Storage storage(Tensor t) {
    return t == null ? null : t.storage();
  }
}
