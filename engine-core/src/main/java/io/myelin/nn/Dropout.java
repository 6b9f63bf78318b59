package io.myelin.nn;

import io.myelin.Generator;
import io.myelin.Tensor;

/**
 * Inverted dropout, as PyTorch's {@code nn.Dropout(p)}: in training each element is zeroed with
 * probability {@code p} and the survivors are scaled by {@code 1 / (1 - p)}, so the expected
 * activation is unchanged; in evaluation it is the identity. Output shape = input shape.
 *
 * <p>The mask is {@code U >= p} with U drawn by the backend from this layer's {@link Generator}
 * (Philox, counter based): the same seed and call sequence give the same masks on every device. The
 * gradient is the mask times {@code 1 / (1 - p)}.
 *
 * <pre>{@code
 * Dropout drop = new Dropout(0.5, new Generator(1));
 * Tensor h = drop.forward(x);   // training: about half the elements 0, the rest doubled
 * drop.eval();
 * drop.forward(x);              // x itself
 * }</pre>
 */
public final class Dropout extends Layer {
  private final double p;
  private final Generator generator;

  /** PyTorch's default p = 0.5, randomly seeded. */
  public Dropout() {
    this(0.5);
  }

  /** Masks drawn from a generator of the default stream ({@link Generator#manualSeed(long)}). */
  public Dropout(double p) {
    this(p, Generator.fromDefault());
  }

  /**
   * @param p drop probability in [0, 1)
   * @param generator source of the masks (advanced by every training forward)
   */
  public Dropout(double p, Generator generator) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
    }
    this.p = p;
    this.generator = generator;
  }

  public double p() {
    return p;
  }

  /** The generator the masks come from (save its state to resume a run exactly). */
  public Generator generator() {
    return generator;
  }

  @Override
  public Tensor forward(Tensor input) {
    if (!isTraining() || p == 0 || input.numel() == 0) {
      return input;
    }
    // One backend call each way; the same mask as x * (uniform >= p) / (1 - p) from this generator.
    return FusedLayers.dropout(input, p, generator);
  }

  @Override
  protected String extraRepr() {
    return "p=" + p;
  }

  /**
   * Always: inside a {@code TrainingStep} the generator is bound to a device counter ({@link
   * Generator#bindDevice}), so a replayed graph draws a fresh mask each step.
   */
  @Override
  public boolean capturable() {
    return true;
  }
}
