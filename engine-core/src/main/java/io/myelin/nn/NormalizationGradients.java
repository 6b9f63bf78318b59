package io.myelin.nn;

import io.myelin.Tensor;

/**
 * The backward of the fused normalisations in {@link FusedLayers} written with tensor ops, used
 * instead of the backend primitive when the gradient must itself be differentiable: a gradient
 * taken with {@code createGraph} (double backward) or computed inside a {@link
 * io.myelin.autograd.ForwardAD} dual level (forward over reverse, a Hessian-vector product). Every
 * op here has a backward and a tangent rule, so the gradient differentiates again to any order. For
 * {@code y = xhat gamma + beta} with {@code xhat = (x - mu) r}, {@code gxhat = gy gamma}:
 *
 * <pre>
 *   statistics of the batch (training, layer norm):
 *     gx = r (gxhat - mean(gxhat) - xhat mean(gxhat xhat))
 *   constant statistics (batch norm in inference):   gx = r gxhat
 *   dgamma = sum(gy xhat),  dbeta = sum(gy)
 * </pre>
 *
 * (means over the normalised elements; the sums of dgamma and dbeta over the rest). With batch
 * statistics, mu and r are recomputed from x with tensor ops (the biased variance, as the forward),
 * so their dependence on x is seen by the next differentiation; the primitive's saved statistics
 * would be constants to it.
 */
final class NormalizationGradients {
  private NormalizationGradients() {}

  /**
   * {gx, dgamma, dbeta} (null where {@code want} is false), gx in x's shape.
   *
   * @param x the input reshaped so that the statistics reduce over {@code dims}
   * @param gy the upstream gradient in x's shape
   * @param dims the dims the statistics reduce over
   * @param paramDims the dims dgamma and dbeta reduce over (the rows for layer norm, the
   *     statistics' dims for batch norm)
   * @param eps added to the variance (used with batch statistics only)
   * @param mu the constant mean, broadcasting against x, or null for batch statistics
   * @param r the constant inverse standard deviation, or null for batch statistics
   * @param gamma the scale, broadcasting against x, or null (1)
   * @param gammaShape dgamma's (and dbeta's) shape
   */
  static Tensor[] of(
      Tensor x,
      Tensor gy,
      int[] dims,
      int[] paramDims,
      double eps,
      Tensor mu,
      Tensor r,
      Tensor gamma,
      int[] gammaShape,
      boolean[] want) {
    boolean batchStatistics = mu == null;
    if (batchStatistics) {
      mu = x.mean(dims, true);
      Tensor centred = x.sub(mu);
      r = centred.square().mean(dims, true).add(eps).sqrt().reciprocal();
    }
    Tensor xhat = x.sub(mu).mul(r);
    Tensor gx = null;
    if (want[0]) {
      Tensor gxhat = gamma == null ? gy : gy.mul(gamma);
      gx =
          batchStatistics
              ? gxhat
                  .sub(gxhat.mean(dims, true))
                  .sub(xhat.mul(gxhat.mul(xhat).mean(dims, true)))
                  .mul(r)
              : gxhat.mul(r);
    }
    Tensor dgamma = want[1] ? gy.mul(xhat).sum(paramDims, false).reshape(gammaShape) : null;
    Tensor dbeta = want[2] ? gy.sum(paramDims, false).reshape(gammaShape) : null;
    return new Tensor[] {gx, dgamma, dbeta};
  }
}
