package io.myelin.nn;

import io.myelin.Generator;
import java.util.List;

/**
 * The codecs of every concrete layer in {@code io.myelin.nn}, one per class, named by the class's
 * simple name and keyed as PyTorch's constructor arguments ({@code in_features}, {@code
 * kernel_size}...). A test enumerates the package's layer classes and fails for one without a codec
 * here, so a new layer cannot be forgotten.
 *
 * <p>Layers are rebuilt with a fixed {@link Generator} (their initial values are overwritten by the
 * file's tensors), so that loading a model does not advance the default random stream. Random
 * streams are not saved: a loaded {@link Dropout} draws from the default stream, as a model
 * unpickled by {@code torch.load} draws from the global generator.
 */
final class BuiltInLayerCodecs {
  private BuiltInLayerCodecs() {}

  /** The stream rebuilt layers initialise from before their saved values are loaded. */
  private static Generator scratch() {
    return new Generator(0);
  }

  static List<LayerCodec<?>> all() {
    return List.of(
        LayerCodec.of(
            "Sequential",
            Sequential.class,
            (layer, c) -> {
              c.putLayers("layers", layer.children());
              if (layer.inputView() != null) {
                c.put("input_view", layer.inputView());
              }
            },
            c -> {
              Sequential s = new Sequential(c.getLayers("layers"));
              return c.has("input_view") ? s.viewingInputAs(c.getIntArray("input_view")) : s;
            }),
        LayerCodec.of(
            "Linear",
            Linear.class,
            (layer, c) ->
                c.put("in_features", layer.inFeatures())
                    .put("out_features", layer.outFeatures())
                    .put("bias", layer.bias() != null),
            c ->
                new Linear(
                    c.getInt("in_features"),
                    c.getInt("out_features"),
                    c.getBoolean("bias"),
                    scratch())),
        LayerCodec.of(
            "ActivationLayer",
            ActivationLayer.class,
            (layer, c) ->
                c.put("activation", layer.kind().cliName()).put("parameter", layer.parameter()),
            c ->
                new ActivationLayer(
                    Activation.byName(c.getString("activation")), c.getDouble("parameter"))),
        LayerCodec.of(
            "Softmax",
            Softmax.class,
            (layer, c) -> c.put("dim", layer.dim()).put("log", layer.isLog()),
            c -> new Softmax(c.getInt("dim"), c.getBoolean("log"))),
        LayerCodec.of(
            "Dropout",
            Dropout.class,
            (layer, c) -> c.put("p", layer.p()),
            c -> new Dropout(c.getDouble("p"), Generator.fromDefault())),
        LayerCodec.of(
            "Dropout2d",
            Dropout2d.class,
            (layer, c) -> c.put("p", layer.p()),
            c -> new Dropout2d(c.getDouble("p"), Generator.fromDefault())),
        batchNorm("BatchNorm1d", BatchNorm1d.class, false),
        batchNorm("BatchNorm2d", BatchNorm2d.class, true),
        LayerCodec.of(
            "LayerNorm",
            LayerNorm.class,
            (layer, c) ->
                c.put("normalized_shape", layer.normalizedShape())
                    .put("eps", layer.eps())
                    .put("elementwise_affine", layer.elementwiseAffine()),
            c ->
                new LayerNorm(
                    c.getIntArray("normalized_shape"),
                    c.getDouble("eps"),
                    c.getBoolean("elementwise_affine"))),
        LayerCodec.of(
            "Conv2d",
            Conv2d.class,
            (layer, c) ->
                c.put("in_channels", layer.inChannels())
                    .put("out_channels", layer.outChannels())
                    .put("kernel_size", layer.kernelSize())
                    .put("stride", layer.stride())
                    .put("padding", layer.padding())
                    .put("dilation", layer.dilation())
                    .put("groups", layer.groups())
                    .put("bias", layer.bias() != null),
            c ->
                new Conv2d(
                    c.getInt("in_channels"),
                    c.getInt("out_channels"),
                    c.getIntArray("kernel_size"),
                    c.getIntArray("stride"),
                    c.getIntArray("padding"),
                    c.getIntArray("dilation"),
                    c.getInt("groups"),
                    c.getBoolean("bias"),
                    scratch())),
        LayerCodec.of(
            "MaxPool2d",
            MaxPool2d.class,
            (layer, c) ->
                c.put("kernel_size", layer.kernelSize())
                    .put("stride", layer.stride())
                    .put("padding", layer.padding())
                    .put("ceil_mode", layer.ceilMode()),
            c ->
                new MaxPool2d(
                    c.getIntArray("kernel_size"),
                    c.getIntArray("stride"),
                    c.getIntArray("padding"),
                    c.getBoolean("ceil_mode"))),
        LayerCodec.of(
            "AvgPool2d",
            AvgPool2d.class,
            (layer, c) ->
                c.put("kernel_size", layer.kernelSize())
                    .put("stride", layer.stride())
                    .put("padding", layer.padding())
                    .put("ceil_mode", layer.ceilMode())
                    .put("count_include_pad", layer.countIncludePad()),
            c ->
                new AvgPool2d(
                    c.getIntArray("kernel_size"),
                    c.getIntArray("stride"),
                    c.getIntArray("padding"),
                    c.getBoolean("ceil_mode"),
                    c.getBoolean("count_include_pad"))),
        LayerCodec.of(
            "AdaptiveAvgPool2d",
            AdaptiveAvgPool2d.class,
            (layer, c) -> c.put("output_size", layer.outputSize()),
            c -> {
              int[] size = c.getIntArray("output_size");
              if (size.length != 2) {
                throw new IllegalArgumentException("entry 'output_size' must hold 2 ints");
              }
              return new AdaptiveAvgPool2d(size[0], size[1]);
            }),
        LayerCodec.of(
            "Flatten",
            Flatten.class,
            (layer, c) -> c.put("start_dim", layer.startDim()).put("end_dim", layer.endDim()),
            c -> new Flatten(c.getInt("start_dim"), c.getInt("end_dim"))),
        LayerCodec.of(
            "Maxout",
            Maxout.class,
            (layer, c) ->
                c.put("in_features", layer.inFeatures())
                    .put("out_features", layer.outFeatures())
                    .put("pieces", layer.pieces()),
            c ->
                new Maxout(
                    c.getInt("in_features"),
                    c.getInt("out_features"),
                    c.getInt("pieces"),
                    scratch())),
        LayerCodec.of(
            "FeatureScaling",
            FeatureScaling.class,
            (layer, c) -> {
              c.put("divisor", layer.divisor());
              if (layer.mean() != null) {
                c.put("features", layer.mean().size(0));
              }
            },
            c -> {
              if (!c.has("features")) {
                return new FeatureScaling(c.getDouble("divisor"), null, null);
              }
              int n = c.getInt("features");
              if (n < 1) {
                throw new IllegalArgumentException("entry 'features' must be >= 1, got " + n);
              }
              float[] ones = new float[n];
              java.util.Arrays.fill(ones, 1f);
              return new FeatureScaling(c.getDouble("divisor"), new float[n], ones);
            }));
  }

  private static <B extends BatchNorm> LayerCodec<B> batchNorm(
      String type, Class<B> cls, boolean twoD) {
    return LayerCodec.of(
        type,
        cls,
        (layer, c) ->
            c.put("num_features", layer.numFeatures())
                .put("eps", layer.eps())
                .put("momentum", layer.momentum())
                .put("affine", layer.affine())
                .put("track_running_stats", layer.trackRunningStats()),
        c -> {
          int n = c.getInt("num_features");
          double eps = c.getDouble("eps");
          double momentum = c.getDouble("momentum");
          boolean affine = c.getBoolean("affine");
          boolean track = c.getBoolean("track_running_stats");
          BatchNorm bn =
              twoD
                  ? new BatchNorm2d(n, eps, momentum, affine, track)
                  : new BatchNorm1d(n, eps, momentum, affine, track);
          return cls.cast(bn);
        });
  }
}
