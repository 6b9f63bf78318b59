package io.myelin.nn;

import io.myelin.Tensor;
import io.myelin.data.FeatureScaler;

/**
 * The preprocessing of raw feature rows as a layer, as Keras' {@code Normalization} layer: {@code x
 * / divisor}, then, when standardised, {@code (x - mean) / std} per feature (the last dimension).
 * {@code mean} and {@code std} are buffers (saved, not trained), so a model that starts with this
 * layer takes raw rows and carries its preprocessing into its model file ({@link ModelFiles}) and
 * its ONNX export ({@code Div} then {@code Sub}, {@code Div}, imported back from that pattern).
 * Output shape = input shape {@code [*, features]}; the same in training and evaluation.
 *
 * <pre>{@code
 * StandardScaler scaler = StandardScaler.fit(train.features(), train.cols());
 * Layer model = new Sequential(FeatureScaling.of(scaler), new Linear(8, 16), ...);
 * ModelFiles.save(model, Path.of("model.safetensors"));   // the statistics travel with it
 * }</pre>
 */
public final class FeatureScaling extends Layer {
  private final double divisor;
  private final boolean standardized;

  /**
   * @param divisor what raw values are divided by first (1 for none)
   * @param mean per-feature mean after the division, or null for no standardisation
   * @param std per-feature standard deviation, or null (both or neither)
   */
  public FeatureScaling(double divisor, float[] mean, float[] std) {
    if (!(divisor > 0) || !Double.isFinite(divisor)) {
      throw new IllegalArgumentException(
          "FeatureScaling: divisor must be positive and finite, got " + divisor);
    }
    if ((mean == null) != (std == null) || (mean != null && mean.length != std.length)) {
      throw new IllegalArgumentException(
          "FeatureScaling: mean and std must both be given, one value per feature");
    }
    this.divisor = divisor;
    this.standardized = mean != null;
    if (mean != null) {
      registerBuffer("mean", Tensor.of(mean.clone(), mean.length));
      registerBuffer("std", Tensor.of(std.clone(), std.length));
    }
  }

  /**
   * The layer applying a fitted scaler ({@link io.myelin.data.StandardScaler}, {@link
   * io.myelin.data.MinMaxScaler}): {@code (x - offset) / scale}, its statistics rounded to float32.
   */
  public static FeatureScaling of(FeatureScaler scaler) {
    return new FeatureScaling(1, floats(scaler.offset()), floats(scaler.scale()));
  }

  public double divisor() {
    return divisor;
  }

  /** The per-feature mean, or null when not standardised. */
  public Tensor mean() {
    return standardized ? buffer("mean") : null;
  }

  /** The per-feature standard deviation, or null when not standardised. */
  public Tensor std() {
    return standardized ? buffer("std") : null;
  }

  @Override
  public Tensor forward(Tensor x) {
    Tensor y = divisor == 1 ? x : x.div(divisor);
    return !standardized ? y : y.sub(mean()).div(std());
  }

  @Override
  protected String extraRepr() {
    return "divisor=" + divisor + (mean() == null ? "" : ", features=" + mean().shape()[0]);
  }

  /**
   * The float32 values of {@code v} (null stays null): statistics kept in double become buffers.
   */
  public static float[] floats(double[] v) {
    if (v == null) {
      return null;
    }
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }
}
