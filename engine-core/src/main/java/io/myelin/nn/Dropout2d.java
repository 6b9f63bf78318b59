package io.myelin.nn;

import io.myelin.Generator;
import io.myelin.Tensor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Channel dropout, as PyTorch's {@code nn.Dropout2d(p)}: in training each whole channel of a {@code
 * [N, C, H, W]} (or {@code [C, H, W]}) input is zeroed with probability {@code p} and the kept ones
 * scaled by {@code 1 / (1 - p)}; identity in evaluation. The mask is {@code U >= p} for one uniform
 * per (n, c) from this layer's {@link Generator}, broadcast over H and W, so the gradient is the
 * same mask (composed of tensor ops).
 */
public final class Dropout2d extends Layer {
  private final double p;
  private final Generator generator;

  public Dropout2d(double p) {
    this(p, new Generator(ThreadLocalRandom.current().nextLong()));
  }

  public Dropout2d(double p, Generator generator) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("Dropout2d: p must be in [0, 1), got " + p);
    }
    this.p = p;
    this.generator = generator;
  }

  public double p() {
    return p;
  }

  @Override
  public Tensor forward(Tensor input) {
    if (input.rank() != 3 && input.rank() != 4) {
      throw new IllegalArgumentException(
          "Dropout2d: expected a 3-D or 4-D input, got "
              + java.util.Arrays.toString(input.shape()));
    }
    if (!isTraining() || p == 0 || input.numel() == 0) {
      return input;
    }
    int[] maskShape = input.shape().clone();
    maskShape[maskShape.length - 1] = 1;
    maskShape[maskShape.length - 2] = 1;
    Tensor mask =
        Tensor.uniform(input.device(), input.dtype(), generator, 0, 1, maskShape)
            .ge(p)
            .mul(1 / (1 - p));
    return input.mul(mask);
  }

  @Override
  protected String extraRepr() {
    return "p=" + p;
  }

  /** Not while training with {@code p > 0}: a replayed graph would drop the same channels. */
  @Override
  public boolean capturable() {
    return !isTraining() || p == 0;
  }
}
