package io.myelin.loss;

import io.myelin.Tensor;
import java.util.Arrays;

/**
 * The negative log-likelihood of class indices over log-probabilities, with class weights, an
 * ignore index and label smoothing: the shared core of {@link NLLLoss} and {@link
 * CrossEntropyLoss}, composed from tensor ops on the input's device (the one-hot of the labels is
 * {@code labels[:, None] == arange(C)}, no host round trip).
 *
 * <p>With {@code m_i = [y_i != ignore]}, class weights {@code w} (ones when absent), C classes and
 * smoothing {@code e}, per sample (PyTorch's {@code cross_entropy} with label smoothing):
 *
 * <pre>
 *   loss_i = (1 - e) * (-w[y_i] logp[i, y_i] m_i) + (e / C) * (-sum_c w[c] logp[i, c] m_i)
 *   MEAN   = sum_i loss_i / sum_i w[y_i] m_i          SUM = sum_i loss_i
 * </pre>
 *
 * An index outside [0, C) that is not the ignore index makes that sample's loss NaN (so the error
 * is visible without reading labels back to the host every step).
 */
final class ClassIndexLoss {
  private ClassIndexLoss() {}

  static Tensor compute(
      String name,
      Tensor logProbs,
      Tensor target,
      Tensor weight,
      int ignoreIndex,
      double smoothing,
      Reduction reduction) {
    Targets.checkIndexTarget(name, logProbs, target);
    int[] sampleShape = Targets.sampleShape(logProbs.shape());
    Tensor logp = Targets.classesLast(logProbs); // [M, C]
    int classes = logp.size(1);
    Tensor w = classWeights(name, weight, classes, logp);
    Tensor oneHot = Targets.oneHot(target, classes, logp); // [M, C]
    Tensor valid = Targets.like(target, logp).reshape(-1, 1).ne((double) ignoreIndex); // [M, 1]
    Tensor picked = oneHot.mul(valid);
    Tensor pickedWeights = w == null ? picked : picked.mul(w); // w[y_i] m_i at y_i
    Tensor loss = logp.mul(pickedWeights).sum(1, false).neg(); // [M]
    if (smoothing > 0) {
      Tensor weighted = w == null ? logp : logp.mul(w);
      Tensor smooth = weighted.sum(1, false).neg().mul(valid.reshape(-1));
      loss = loss.mul(1 - smoothing).add(smooth.mul(smoothing / classes));
    }
    // A valid sample whose label matched no class: poison it with NaN.
    Tensor unmatched = valid.reshape(-1).sub(picked.sum(1, false));
    loss = Tensor.where(unmatched.gt(0.0), Tensor.fullLike(loss, Double.NaN), loss);
    return switch (reduction) {
      case NONE -> loss.reshape(sampleShape);
      case SUM -> loss.sum();
      case MEAN -> loss.sum().div(pickedWeights.sum());
      case BATCHMEAN -> throw new IllegalStateException("checked in the constructor");
    };
  }

  /** Weights as {@code [1, C]} in the input's dtype and device, or null. */
  static Tensor classWeights(String name, Tensor weight, int classes, Tensor like) {
    if (weight == null) {
      return null;
    }
    if (weight.rank() != 1 || weight.size(0) != classes) {
      throw new IllegalArgumentException(
          name
              + ": class weights must have shape ["
              + classes
              + "], got "
              + Arrays.toString(weight.shape()));
    }
    return Targets.like(weight.to(like.device()), like).reshape(1, classes);
  }
}
