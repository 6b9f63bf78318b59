package io.myelin.nn;

import io.myelin.Tensor;

/**
 * Forward-mode rules (Jacobian-vector products) of the fused normalisations in {@link FusedLayers},
 * written with tensor ops on the statistics the forward saved. For {@code y = xhat gamma + beta}
 * with {@code xhat = (x - mu) r}:
 *
 * <pre>
 *   statistics of the batch (training, layer norm):  d xhat = r (dx - mean(dx) - xhat mean(xhat dx))
 *   constant statistics (batch norm in inference):    d xhat = r dx
 *   d y = d xhat gamma + xhat d gamma + d beta
 * </pre>
 *
 * (from d mu = mean(dx) and d r = -r^3 mean((x - mu) dx); the means run over the normalised
 * elements).
 */
final class NormalizationTangents {
  private NormalizationTangents() {}

  /**
   * The tangent of y, in {@code x}'s shape. All tensors are given in shapes that broadcast against
   * {@code x} ({@code mu}, {@code r}, {@code gamma} and their tangents with size 1 along {@code
   * dims}); null tangents are zeros, null gamma means 1.
   *
   * @param dims the dims the statistics reduce over
   * @param batchStatistics whether mu and r depend on x (false: constants)
   */
  static Tensor tangent(
      Tensor x,
      Tensor mu,
      Tensor r,
      int[] dims,
      boolean batchStatistics,
      Tensor gamma,
      Tensor tx,
      Tensor tgamma,
      Tensor tbeta) {
    Tensor xhat = x.sub(mu).mul(r);
    Tensor dy = null;
    if (tx != null) {
      Tensor dxhat =
          batchStatistics
              ? tx.sub(tx.mean(dims, true)).sub(xhat.mul(xhat.mul(tx).mean(dims, true))).mul(r)
              : tx.mul(r);
      dy = gamma == null ? dxhat : dxhat.mul(gamma);
    }
    if (tgamma != null) {
      Tensor part = xhat.mul(tgamma);
      dy = dy == null ? part : dy.add(part);
    }
    if (tbeta != null) {
      Tensor part = tbeta.expand(x.shape());
      dy = dy == null ? part : dy.add(part);
    }
    return dy;
  }

  /** {@code t} reshaped to {@code shape}, or null. */
  static Tensor shaped(Tensor t, int... shape) {
    return t == null ? null : t.reshape(shape);
  }
}
