package io.myelin.nn;

import io.myelin.Tensor;

/**
 * Softmax (or log-softmax) along one dim as a module, as PyTorch's {@code nn.Softmax(dim)} / {@code
 * nn.LogSoftmax(dim)}. Output shape = input shape; along {@code dim} the outputs are positive and
 * sum to 1 (log-softmax: their exponentials do).
 *
 * <p>For classification prefer raw logits with {@link io.myelin.loss.CrossEntropyLoss}, which fuses
 * the log-softmax and is more stable than softmax followed by a log.
 *
 * <pre>{@code
 * Layer probs = Softmax.of(1);        // over classes of [N, C]
 * Layer logProbs = Softmax.log(1);    // pairs with NLLLoss
 * }</pre>
 */
public final class Softmax extends Layer {
  private final int dim;
  private final boolean log;

  public Softmax(int dim, boolean log) {
    this.dim = dim;
    this.log = log;
  }

  /** Softmax along {@code dim}. */
  public static Softmax of(int dim) {
    return new Softmax(dim, false);
  }

  /** Log-softmax along {@code dim}. */
  public static Softmax log(int dim) {
    return new Softmax(dim, true);
  }

  /** The dimension normalised over (negative counts from the end). */
  public int dim() {
    return dim;
  }

  /** Whether this is log-softmax. */
  public boolean isLog() {
    return log;
  }

  @Override
  public Tensor forward(Tensor input) {
    return log ? input.logSoftmax(dim) : input.softmax(dim);
  }

  @Override
  public String toString() {
    return (log ? "LogSoftmax" : "Softmax") + "(dim=" + dim + ")";
  }
}
