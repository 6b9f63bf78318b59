package io.myelin.nn;

import io.myelin.Generator;
import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Maxout unit (Goodfellow et al. 2013): {@code k} linear pieces per output, keeping the largest,
 * {@code y_j = max_p (x W_{j,p}^T + b_{j,p})}.
 *
 * <p>Built as one {@link Linear}{@code (in, out * k)} (child {@code "linear"}, so its state-dict
 * keys are {@code linear.weight [out*k, in]} and {@code linear.bias [out*k]}) whose outputs are
 * grouped as {@code [*, out, k]}: pieces {@code j*k .. j*k+k-1} belong to output {@code j}. Then
 * the max over the last dim. Shapes: {@code [*, in] -> [*, out]}. The gradient goes to the winning
 * piece (shared equally on exact ties).
 *
 * <pre>{@code
 * Layer layer = new Maxout(16, 8, 3, new Generator(0));   // [N, 16] -> [N, 8]
 * }</pre>
 */
public final class Maxout extends Layer {
  private final int outFeatures;
  private final int pieces;
  private final Linear linear;

  /** Weights drawn from the default stream ({@link Generator#manualSeed(long)}). */
  public Maxout(int inFeatures, int outFeatures, int pieces) {
    this(inFeatures, outFeatures, pieces, Generator.fromDefault());
  }

  public Maxout(int inFeatures, int outFeatures, int pieces, Generator generator) {
    if (pieces < 1) {
      throw new IllegalArgumentException("Maxout: pieces must be >= 1, got " + pieces);
    }
    this.outFeatures = outFeatures;
    this.pieces = pieces;
    this.linear =
        registerModule("linear", new Linear(inFeatures, outFeatures * pieces, true, generator));
  }

  /** The linear map to all pieces, {@code [out * k, in]}. */
  public Linear linear() {
    return linear;
  }

  public int inFeatures() {
    return linear.inFeatures();
  }

  public int outFeatures() {
    return outFeatures;
  }

  public int pieces() {
    return pieces;
  }

  @Override
  public Tensor forward(Tensor input) {
    Tensor z = linear.forward(input);
    int[] s = z.shape();
    int[] grouped = Arrays.copyOf(s, s.length + 1);
    grouped[s.length - 1] = outFeatures;
    grouped[s.length] = pieces;
    return z.reshape(grouped).max(-1, false);
  }

  @Override
  protected String extraRepr() {
    return "in=" + linear.inFeatures() + ", out=" + outFeatures + ", pieces=" + pieces;
  }
}
