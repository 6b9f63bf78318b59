package io.myelin.nn;

import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Batch normalisation of {@code [N, C]} or {@code [N, C, L]} inputs per feature {@code C}, as
 * PyTorch's {@code nn.BatchNorm1d} (statistics over N, and L when present). See {@link BatchNorm}
 * for the math, training/evaluation semantics and state-dict keys.
 *
 * <pre>{@code
 * BatchNorm1d bn = new BatchNorm1d(64);     // eps 1e-5, momentum 0.1, affine, tracking
 * Tensor y = bn.forward(h);                  // [N, 64] -> [N, 64], batch statistics
 * bn.eval();
 * bn.forward(h);                             // running statistics
 * }</pre>
 */
public final class BatchNorm1d extends BatchNorm {
  public BatchNorm1d(int numFeatures) {
    this(numFeatures, DEFAULT_EPS, DEFAULT_MOMENTUM, true, true);
  }

  public BatchNorm1d(
      int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
    super(numFeatures, eps, momentum, affine, trackRunningStats);
  }

  @Override
  void checkRank(Tensor input) {
    if (input.rank() != 2 && input.rank() != 3) {
      throw new IllegalArgumentException(
          "BatchNorm1d: expected a 2-D [N, C] or 3-D [N, C, L] input, got shape "
              + Arrays.toString(input.shape()));
    }
  }
}
