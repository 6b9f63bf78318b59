package io.myelin.nn;

import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Batch normalisation of {@code [N, C, H, W]} inputs per channel {@code C}, as PyTorch's {@code
 * nn.BatchNorm2d} (statistics over N, H and W). See {@link BatchNorm} for the math,
 * training/evaluation semantics and state-dict keys.
 *
 * <pre>{@code
 * BatchNorm2d bn = new BatchNorm2d(16);
 * Tensor y = bn.forward(featureMaps);   // [N, 16, H, W] -> same shape
 * }</pre>
 */
public final class BatchNorm2d extends BatchNorm {
  public BatchNorm2d(int numFeatures) {
    this(numFeatures, DEFAULT_EPS, DEFAULT_MOMENTUM, true, true);
  }

  public BatchNorm2d(
      int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
    super(numFeatures, eps, momentum, affine, trackRunningStats);
  }

  @Override
  void checkRank(Tensor input) {
    if (input.rank() != 4) {
      throw new IllegalArgumentException(
          "BatchNorm2d: expected a 4-D [N, C, H, W] input, got shape "
              + Arrays.toString(input.shape()));
    }
  }
}
