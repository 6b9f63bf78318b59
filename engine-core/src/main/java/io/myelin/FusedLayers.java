package io.myelin;

/**
 * Layers that run as one backend primitive forward and one backward: {@link #dropout} is {@link
 * io.myelin.backend.Backend#dropout} and its backward, which {@link io.myelin.nn.Dropout} uses in
 * training (no mask tensor is stored: the backward regenerates it from the Philox stream).
 */
public final class FusedLayers {
  private FusedLayers() {}

  /**
   * Inverted dropout of a floating tensor: each element is zeroed with probability {@code p} and
   * the rest scaled by {@code 1 / (1 - p)}, the mask drawn from {@code generator} (advanced by
   * the tensor's element count), so exactly the elements that {@code x.mul(Tensor.uniform(..,
   * generator, 0, 1, shape).ge(p).mul(1 / (1 - p)))} would keep, on any backend.
   *
   * <pre>{@code
   * Tensor y = FusedLayers.dropout(x, 0.5, new Generator(1));
   * }</pre>
   *
   * @param p drop probability in [0, 1)
   */
  public static Tensor dropout(Tensor input, double p, Generator generator) {
    Tensor.checkFloating("dropout", input.dtype());
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
    }
    Tensor x = input.contiguous();
    int n = x.numel();
    long seed = generator.seed();
    long counter = generator.reserve(n);
    Tensor y = Tensor.empty(input.device(), input.dtype(), input.shape());
    input.backend().dropout(p, seed, counter, x.storage(), x.layout().offset(), y.storage(), 0, n);
    // d y / d x = the same mask, regenerated from (seed, counter).
    return Tensor.record("dropout", y, g -> {
      Tensor gc = g.contiguous();
      Tensor gx = Tensor.empty(gc.device(), gc.dtype(), gc.shape());
      gc.backend().dropoutBackward(
          p, seed, counter, gc.storage(), gc.layout().offset(), gx.storage(), 0, n);
      return new Tensor[] {gx};
    }, input);
  }
}
