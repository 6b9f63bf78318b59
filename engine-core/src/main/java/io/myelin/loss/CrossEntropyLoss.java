package io.myelin.loss;

import io.myelin.DType;
import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Cross-entropy from logits, as PyTorch's {@code nn.CrossEntropyLoss}: {@code logSoftmax} over the
 * class dim 1 followed by the negative log-likelihood, with optional class weights, ignore index
 * and label smoothing. Defaults: no weights, ignore index -100, MEAN, smoothing 0.
 *
 * <p>Two kinds of target, told apart as PyTorch does:
 *
 * <ul>
 *   <li>class indices: int32 (or whole-number floating) of the input shape without dim 1. Per
 *       sample {@code (1 - e)(-w[y] logp[y]) + (e / C)(-sum_c w[c] logp[c])}; ignored samples give
 *       0; MEAN divides by the sum of {@code w[y]} over non-ignored samples (a weighted mean). See
 *       {@link ClassIndexLoss}.
 *   <li>probabilities (or one-hot): floating, the input's shape. Per sample {@code -sum_c w[c]
 *       t'[c] logp[c]} with {@code t' = (1 - e) t + e / C}; MEAN divides by the number of samples
 *       (not by the weights), as PyTorch; the ignore index does not apply.
 * </ul>
 *
 * <p>Shapes: input {@code [N, C]}, {@code [C]} or {@code [N, C, d1, ...]}; result [] or, for NONE,
 * the input shape without dim 1.
 *
 * <pre>{@code
 * Loss ce = new CrossEntropyLoss().withLabelSmoothing(0.1);
 * Tensor l = ce.forward(logits, Tensor.ofInts(new int[] {3, 0, 9}));   // logits [3, 10]
 * }</pre>
 *
 * @param weight class weights {@code [C]}, or null
 * @param ignoreIndex class-index target value to skip
 * @param reduction NONE, MEAN or SUM
 * @param labelSmoothing e in [0, 1]
 */
public record CrossEntropyLoss(
    Tensor weight, int ignoreIndex, Reduction reduction, double labelSmoothing) implements Loss {
  public CrossEntropyLoss {
    Reduction.checkPlain("CrossEntropyLoss", reduction);
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException(
          "CrossEntropyLoss: labelSmoothing must be in [0, 1], got " + labelSmoothing);
    }
  }

  public CrossEntropyLoss() {
    this(null, NLLLoss.DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0);
  }

  public CrossEntropyLoss withWeight(Tensor classWeights) {
    return new CrossEntropyLoss(classWeights, ignoreIndex, reduction, labelSmoothing);
  }

  public CrossEntropyLoss withIgnoreIndex(int index) {
    return new CrossEntropyLoss(weight, index, reduction, labelSmoothing);
  }

  public CrossEntropyLoss withReduction(Reduction r) {
    return new CrossEntropyLoss(weight, ignoreIndex, r, labelSmoothing);
  }

  public CrossEntropyLoss withLabelSmoothing(double e) {
    return new CrossEntropyLoss(weight, ignoreIndex, reduction, e);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    if (input.rank() < 1) {
      throw new IllegalArgumentException(
          "CrossEntropyLoss: input must have a class dim, got shape []");
    }
    boolean probabilities =
        target.dtype().isFloating() && Arrays.equals(target.shape(), input.shape());
    if (fusable(input, target, probabilities)) {
      if (!probabilities) {
        Targets.checkIndexTarget("CrossEntropyLoss", input, target);
      }
      Tensor w = ClassIndexLoss.classWeights("CrossEntropyLoss", weight, input.size(1), input);
      return FusedLosses.crossEntropy(
          input,
          target,
          w == null ? null : w.reshape(-1),
          ignoreIndex,
          labelSmoothing,
          reduction == Reduction.MEAN);
    }
    Tensor logp = input.logSoftmax(input.rank() == 1 ? 0 : 1);
    if (!probabilities) {
      return ClassIndexLoss.compute(
          "CrossEntropyLoss", logp, target, weight, ignoreIndex, labelSmoothing, reduction);
    }
    int[] sampleShape = Targets.sampleShape(input.shape());
    Tensor lp = Targets.classesLast(logp); // [M, C]
    int classes = lp.size(1);
    Tensor t = Targets.classesLast(Targets.like(target, input));
    if (labelSmoothing > 0) {
      t = t.mul(1 - labelSmoothing).add(labelSmoothing / classes);
    }
    Tensor w = ClassIndexLoss.classWeights("CrossEntropyLoss", weight, classes, lp);
    Tensor terms = lp.mul(t);
    Tensor loss = (w == null ? terms : terms.mul(w)).sum(1, false).neg(); // [M]
    return switch (reduction) {
      case NONE -> loss.reshape(sampleShape);
      case SUM -> loss.sum();
      case MEAN, BATCHMEAN -> loss.mean();
    };
  }

  /**
   * The common case runs as the backend's fused primitive ({@link FusedLosses#crossEntropy}):
   * {@code [N, C]} logits, INT32 labels or probabilities of the logits' dtype, a reduced loss, and
   * nothing but the logits to differentiate. Everything else is composed from tensor ops.
   */
  private boolean fusable(Tensor input, Tensor target, boolean probabilities) {
    boolean targetFits =
        probabilities ? target.dtype() == input.dtype() : target.dtype() == DType.INT32;
    return input.rank() == 2
        && input.dtype().isFloating()
        && targetFits
        && reduction != Reduction.NONE
        && !target.requiresGrad()
        && (weight == null || !weight.requiresGrad())
        && input.device().equals(target.device());
  }
}
