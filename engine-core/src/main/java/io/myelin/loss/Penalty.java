package io.myelin.loss;

import io.myelin.Tensor;

/**
 * Weight penalties added to a loss: {@code l1 * sum |w| + (l2 / 2) * sum w^2} over chosen
 * parameters (elastic net; L1 and L2 are its special cases).
 *
 * <p>Conventions, checked against the course's example (W = 0.5, dL/dW = 0.1, learning rate 0.01,
 * lambda 0.1; one step {@code W - lr * grad} gives 0.499 without a penalty):
 *
 * <ul>
 *   <li>L2 is {@code lambda/2 * sum w^2}, so its gradient is {@code lambda * w}: exactly PyTorch's
 *       {@code weight_decay = lambda} in SGD. Example: 0.5 - 0.01 (0.1 + 0.05) = 0.4985.
 *   <li>L1 is {@code lambda * sum |w|}, gradient {@code lambda * sign(w)} (0 at w = 0). Example:
 *       0.5 - 0.01 (0.1 + 0.1) = 0.498.
 * </ul>
 *
 * <pre>{@code
 * Penalty reg = Penalty.l2(1e-4);
 * Tensor loss = ce.forward(model.forward(x), y).add(reg.apply(List.of(fc1.weight(), fc2.weight())));
 * }</pre>
 *
 * @param l1 coefficient of {@code sum |w|}, >= 0
 * @param l2 coefficient of {@code sum w^2 / 2}, >= 0
 */
public record Penalty(double l1, double l2) {
  public Penalty {
    if (!(l1 >= 0) || !(l2 >= 0) || !Double.isFinite(l1) || !Double.isFinite(l2)) {
      throw new IllegalArgumentException(
          "Penalty: coefficients must be finite and >= 0, got l1=" + l1 + ", l2=" + l2);
    }
  }

  /** {@code lambda * sum |w|}. */
  public static Penalty l1(double lambda) {
    return new Penalty(lambda, 0);
  }

  /** {@code lambda / 2 * sum w^2} (gradient {@code lambda w}, PyTorch's weight decay). */
  public static Penalty l2(double lambda) {
    return new Penalty(0, lambda);
  }

  /** {@code l1 * sum |w| + l2 / 2 * sum w^2}. */
  public static Penalty elasticNet(double l1, double l2) {
    return new Penalty(l1, l2);
  }

  /**
   * The penalty over {@code parameters} as a shape-[] tensor on their device (differentiable in
   * them). An empty collection gives a float32 zero on the default device.
   */
  public Tensor apply(Iterable<Tensor> parameters) {
    Tensor total = null;
    for (Tensor w : parameters) {
      Tensor term = null;
      if (l1 > 0) {
        term = w.abs().sum().mul(l1);
      }
      if (l2 > 0) {
        Tensor sq = w.square().sum().mul(l2 / 2);
        term = term == null ? sq : term.add(sq);
      }
      if (term == null) {
        term = w.sum().mul(0.0); // keeps the result on the parameters' device and dtype
      }
      total = total == null ? term : total.add(term);
    }
    return total == null ? Tensor.scalar(0) : total;
  }
}
