package io.myelin.optim;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.memory.MemoryScope;

/**
 * Gradient clipping, applied to the gradients in place between {@code backward()} and {@code
 * step()}, as {@code torch.nn.utils.clip_grad_value_} and {@code clip_grad_norm_}.
 *
 * <pre>{@code
 * loss.backward();
 * double norm = GradClip.clipNorm(model.parameters(), 1.0);   // total norm before clipping
 * optimizer.step();
 * }</pre>
 *
 * <p>Parameters whose gradient is null are ignored. The work runs as tensor ops on each gradient's
 * device; only the total norm is read back to the host (one synchronisation).
 */
public final class GradClip {
  /** Added to the total norm before dividing, as PyTorch does, so a zero norm cannot divide. */
  public static final double EPS = 1e-6;

  private GradClip() {}

  /** Clamps every gradient element into {@code [-clipValue, clipValue]}. */
  public static void clipValue(Iterable<Tensor> parameters, double clipValue) {
    if (!(clipValue >= 0) || Double.isInfinite(clipValue)) {
      throw new IllegalArgumentException(
          "clipValue: invalid clipValue " + clipValue + " (must be finite and >= 0)");
    }
    try (var ignored = Autograd.noGrad();
        MemoryScope scope = MemoryScope.open()) {
      for (Tensor p : parameters) {
        Tensor g = p.grad();
        if (g != null) {
          g.assign(g.clamp(-clipValue, clipValue));
        }
      }
    }
  }

  /** {@link #clipNorm(Iterable, double, double)} with the Euclidean norm. */
  public static double clipNorm(Iterable<Tensor> parameters, double maxNorm) {
    return clipNorm(parameters, maxNorm, 2.0);
  }

  /**
   * Rescales all gradients together so that their total norm is at most {@code maxNorm}:
   *
   * <pre>
   *   total = || (||g_1||_q, ..., ||g_k||_q) ||_q        (the norm of all gradients as one vector)
   *   if total > maxNorm:  g_i = g_i * maxNorm / (total + 1e-6)
   * </pre>
   *
   * A non-finite total (an overflow or a NaN in a gradient) leaves the gradients unchanged; the
   * caller sees it in the returned value and can skip the step (PyTorch would write NaN into every
   * gradient). The same work as {@link #clipNormOnDevice}, then one read of the total.
   *
   * @param normType {@code q > 0}, or {@code Double.POSITIVE_INFINITY} for the max-abs norm
   * @return the total norm before clipping
   */
  public static double clipNorm(Iterable<Tensor> parameters, double maxNorm, double normType) {
    try (var ignored = Autograd.noGrad();
        MemoryScope scope = MemoryScope.open()) {
      Tensor total = clipNormOnDevice(parameters, maxNorm, normType);
      return total == null ? 0 : total.item();
    }
  }

  /**
   * {@link #clipNorm(Iterable, double, double)} without reading anything on the host: the total
   * norm is reduced on the device and the scale {@code min(1, maxNorm / (total + 1e-6))} (1 when
   * the total is not finite) multiplies every gradient there. What a training step runs, so that a
   * captured step clips by the norm of each replay's gradients.
   *
   * @return the total norm before clipping, a float64 scalar on the gradients' device (null when no
   *     parameter has a gradient); it belongs to the caller's memory scope
   */
  public static Tensor clipNormOnDevice(
      Iterable<Tensor> parameters, double maxNorm, double normType) {
    if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "clipNorm: invalid maxNorm " + maxNorm + " (must be finite and >= 0)");
    }
    try (var ignored = Autograd.noGrad()) {
      Tensor total = totalNormOnDevice(parameters, normType);
      if (total == null) {
        return null;
      }
      // coef < 1 only for a finite total above maxNorm; NaN compares false, so it stays 1.
      Tensor coef = Tensor.full(total.device(), DType.FLOAT64, maxNorm).div(total.add(EPS));
      Tensor scale =
          Tensor.where(coef.lt(1.0), coef, Tensor.full(total.device(), DType.FLOAT64, 1));
      for (Tensor p : parameters) {
        Tensor g = p.grad();
        if (g != null) {
          g.assign(g.mul(scale.to(g.dtype())));
        }
      }
      return total;
    }
  }

  /**
   * The {@code normType}-norm of all gradients taken as one vector (0 when none has a gradient).
   * Each gradient's partial sum is formed in its own dtype and accumulated in float64.
   */
  public static double totalNorm(Iterable<Tensor> parameters, double normType) {
    try (var ignored = Autograd.noGrad();
        MemoryScope scope = MemoryScope.open()) {
      Tensor total = totalNormOnDevice(parameters, normType);
      return total == null ? 0 : total.item();
    }
  }

  /** {@link #totalNorm} as a float64 scalar on the device, or null without gradients. */
  static Tensor totalNormOnDevice(Iterable<Tensor> parameters, double normType) {
    boolean max = normType == Double.POSITIVE_INFINITY;
    if (!max && !(normType > 0 && Double.isFinite(normType))) {
      throw new IllegalArgumentException(
          "clipNorm: invalid normType " + normType + " (must be > 0 or POSITIVE_INFINITY)");
    }
    Tensor acc = null;
    for (Tensor p : parameters) {
      Tensor g = p.grad();
      if (g == null || g.numel() == 0) {
        continue;
      }
      Tensor part =
          max ? g.abs().max() : (normType == 2 ? g.square() : g.abs().pow(normType)).sum();
      part = part.to(DType.FLOAT64);
      acc = acc == null ? part : (max ? acc.maximum(part) : acc.add(part));
    }
    if (acc == null || max) {
      return acc;
    }
    return normType == 2 ? acc.sqrt() : acc.pow(1.0 / normType);
  }
}
