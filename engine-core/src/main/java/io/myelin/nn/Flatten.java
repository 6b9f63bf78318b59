package io.myelin.nn;

import io.myelin.Tensor;

/**
 * Merges dims {@code startDim..endDim} into one, as PyTorch's {@code nn.Flatten} (defaults {@code
 * startDim = 1}, {@code endDim = -1}: every dim but the batch dim).
 *
 * <pre>{@code
 * new Flatten().forward(images);   // [N, 1, 28, 28] -> [N, 784]
 * }</pre>
 */
public final class Flatten extends Layer {
  private final int startDim;
  private final int endDim;

  public Flatten() {
    this(1, -1);
  }

  public Flatten(int startDim, int endDim) {
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /** The first dim merged. */
  public int startDim() {
    return startDim;
  }

  /** The last dim merged (negative counts from the end). */
  public int endDim() {
    return endDim;
  }

  @Override
  public Tensor forward(Tensor input) {
    return input.flatten(startDim, endDim);
  }

  @Override
  protected String extraRepr() {
    return "startDim=" + startDim + ", endDim=" + endDim;
  }
}
