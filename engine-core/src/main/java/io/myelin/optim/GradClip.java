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
 * <p>Parameters whose gradient is null are ignored. The work runs as tensor ops on each
 * gradient's device; only the total norm is read back to the host (one synchronisation).
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
    try (var ignored = Autograd.noGrad(); MemoryScope scope = MemoryScope.open()) {
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
   * <pre>
   *   total = || (||g_1||_q, ..., ||g_k||_q) ||_q        (the norm of all gradients as one vector)
   *   if total > maxNorm:  g_i = g_i * maxNorm / (total + 1e-6)
   * </pre>
   * A non-finite total (an overflow or a NaN in a gradient) leaves the gradients unchanged; the
   * caller sees it in the returned value and can skip the step (PyTorch would write NaN into
   * every gradient).
   *
   * @param normType {@code q > 0}, or {@code Double.POSITIVE_INFINITY} for the max-abs norm
   * @return the total norm before clipping
   */
  public static double clipNorm(Iterable<Tensor> parameters, double maxNorm, double normType) {
    if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "clipNorm: invalid maxNorm " + maxNorm + " (must be finite and >= 0)");
    }
    double total = totalNorm(parameters, normType);
    double coef = maxNorm / (total + EPS);
    if (Double.isFinite(total) && coef < 1) {
      try (var ignored = Autograd.noGrad(); MemoryScope scope = MemoryScope.open()) {
        for (Tensor p : parameters) {
          Tensor g = p.grad();
          if (g != null) {
            g.assign(g.mul(coef));
          }
        }
      }
    }
    return total;
  }

  /**
   * The {@code normType}-norm of all gradients taken as one vector (0 when none has a gradient).
   * Each gradient's partial sum is formed in its own dtype and accumulated in float64.
   */
  public static double totalNorm(Iterable<Tensor> parameters, double normType) {
    boolean max = normType == Double.POSITIVE_INFINITY;
    if (!max && !(normType > 0 && Double.isFinite(normType))) {
      throw new IllegalArgumentException(
          "clipNorm: invalid normType " + normType + " (must be > 0 or POSITIVE_INFINITY)");
    }
    double total = 0;
    try (var ignored = Autograd.noGrad(); MemoryScope scope = MemoryScope.open()) {
      Tensor acc = null;
      for (Tensor p : parameters) {
        Tensor g = p.grad();
        if (g == null || g.numel() == 0) {
          continue;
        }
        Tensor part = max ? g.abs().max() : (normType == 2 ? g.square() : g.abs().pow(normType)).sum();
        part = part.to(DType.FLOAT64);
        // Accumulate on the device and read once: one host synchronisation for all parameters.
        acc = acc == null ? part : (max ? acc.maximum(part) : acc.add(part));
      }
      if (acc != null) {
        total = acc.item();
      }
    }
    return max ? total : Math.pow(total, 1.0 / normType);
  }
}
