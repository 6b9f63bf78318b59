package io.myelin.data;

import io.myelin.Tensor;

/**
 * One mini-batch on the training device: features {@code [b, cols]} float32 and targets, either
 * class labels {@code [b]} int32 (classification) or values {@code [b, targetCols]} float32
 * (regression); targets is null for unlabelled data. Closing the batch frees both tensors.
 *
 * @param features the inputs
 * @param targets labels or regression targets, or null
 * @param indices the dataset rows this batch holds, in order
 */
public record Batch(Tensor features, Tensor targets, int[] indices) implements AutoCloseable {
  public int size() {
    return features.size(0);
  }

  @Override
  public void close() {
    features.close();
    if (targets != null) {
      targets.close();
    }
  }
}
