package io.myelin.loss;

import io.myelin.Tensor;

/**
 * Negative log-likelihood of class indices, as PyTorch's {@code nn.NLLLoss}: the input holds
 * log-probabilities (e.g. from {@code logSoftmax(1)}), per sample {@code -w[y] logp[y]}, samples
 * whose target equals {@code ignoreIndex} contribute nothing, and MEAN divides by the sum of the
 * weights of the non-ignored targets. Defaults: no weights, ignore index -100, MEAN.
 *
 * <p>Shapes: input {@code [N, C]} (or {@code [C]}, or {@code [N, C, d1, ...]}); target int32
 * indices of shape {@code [N]} ({@code []}, {@code [N, d1, ...]}); weight {@code [C]}; result [] or
 * the target shape for NONE. See {@link ClassIndexLoss} for the exact math.
 *
 * <pre>{@code
 * Tensor l = new NLLLoss().forward(logits.logSoftmax(1), Tensor.ofInts(new int[] {2, 0}));
 * }</pre>
 *
 * @param weight class weights {@code [C]}, or null
 * @param ignoreIndex target value to skip
 * @param reduction NONE, MEAN or SUM
 */
public record NLLLoss(Tensor weight, int ignoreIndex, Reduction reduction) implements Loss {
  /** PyTorch's default ignore index. */
  public static final int DEFAULT_IGNORE_INDEX = -100;

  public NLLLoss {
    Reduction.checkPlain("NLLLoss", reduction);
  }

  public NLLLoss() {
    this(null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  public NLLLoss withWeight(Tensor classWeights) {
    return new NLLLoss(classWeights, ignoreIndex, reduction);
  }

  public NLLLoss withIgnoreIndex(int index) {
    return new NLLLoss(weight, index, reduction);
  }

  public NLLLoss withReduction(Reduction r) {
    return new NLLLoss(weight, ignoreIndex, r);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return ClassIndexLoss.compute("NLLLoss", input, target, weight, ignoreIndex, 0, reduction);
  }
}
