package io.myelin.nn;

import io.myelin.DType;
import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Layer normalisation over the last dims, as PyTorch's {@code nn.LayerNorm(normalized_shape)}: for
 * each sample, {@code y = (x - mean) / sqrt(var + eps) * weight + bias}, with mean and the biased
 * variance over the trailing dims equal to {@code normalizedShape}. Same in training and evaluation
 * (no running statistics). Shapes: input {@code [*, normalizedShape...]}, output the same; weight
 * (ones) and bias (zeros) have shape {@code normalizedShape} when {@code elementwiseAffine}.
 *
 * <pre>{@code
 * LayerNorm ln = new LayerNorm(512);        // eps 1e-5, affine
 * Tensor y = ln.forward(tokens);            // [B, T, 512] -> [B, T, 512]
 * }</pre>
 */
public final class LayerNorm extends Layer {
  public static final double DEFAULT_EPS = 1e-5;

  private final int[] normalizedShape;
  private final double eps;
  private final boolean affine;

  public LayerNorm(int... normalizedShape) {
    this(normalizedShape, DEFAULT_EPS, true);
  }

  public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
    if (normalizedShape.length == 0) {
      throw new IllegalArgumentException("LayerNorm: normalizedShape must have at least one dim");
    }
    for (int d : normalizedShape) {
      if (d < 1) {
        throw new IllegalArgumentException(
            "LayerNorm: normalizedShape dims must be >= 1, got "
                + Arrays.toString(normalizedShape));
      }
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("LayerNorm: eps must be > 0, got " + eps);
    }
    this.normalizedShape = normalizedShape.clone();
    this.eps = eps;
    this.affine = elementwiseAffine;
    if (affine) {
      var device = Tensor.defaultDevice();
      registerParameter("weight", Tensor.full(device, DType.FLOAT32, 1, normalizedShape));
      registerParameter("bias", Tensor.full(device, DType.FLOAT32, 0, normalizedShape));
    }
  }

  /** The variance's epsilon. */
  public double eps() {
    return eps;
  }

  /**
   * Whether it has the learnable {@code weight} and {@code bias} (PyTorch's elementwise_affine).
   */
  public boolean elementwiseAffine() {
    return affine;
  }

  public int[] normalizedShape() {
    return normalizedShape.clone();
  }

  public Tensor weight() {
    return affine ? parameter("weight") : null;
  }

  public Tensor bias() {
    return affine ? parameter("bias") : null;
  }

  @Override
  public Tensor forward(Tensor x) {
    int k = normalizedShape.length;
    int[] s = x.shape();
    boolean ok =
        s.length >= k
            && Arrays.equals(Arrays.copyOfRange(s, s.length - k, s.length), normalizedShape);
    if (!ok) {
      throw new IllegalArgumentException(
          "LayerNorm"
              + Arrays.toString(normalizedShape)
              + ": input shape "
              + Arrays.toString(s)
              + " must end in the normalized shape");
    }
    int cols = 1;
    for (int d : normalizedShape) {
      cols *= d;
    }
    if (x.numel() > 0 && sameDtype(x)) {
      // One backend call each way (saved per-row mean and inverse std).
      return FusedLayers.layerNorm(x, cols, eps, weight(), bias());
    }
    int[] dims = new int[k];
    for (int i = 0; i < k; i++) {
      dims[i] = s.length - k + i;
    }
    Tensor centered = x.sub(x.mean(dims, true));
    Tensor var = centered.square().mean(dims, true);
    Tensor y = centered.div(var.add(eps).sqrt());
    return affine ? y.mul(weight()).add(bias()) : y;
  }

  /** The fused primitive wants one dtype for the input and the affine parameters. */
  private boolean sameDtype(Tensor x) {
    return x.dtype().isFloating()
        && (!affine || (weight().dtype() == x.dtype() && bias().dtype() == x.dtype()));
  }

  @Override
  protected String extraRepr() {
    return Arrays.toString(normalizedShape) + ", eps=" + eps + ", elementwiseAffine=" + affine;
  }
}
