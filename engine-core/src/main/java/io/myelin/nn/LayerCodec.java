package io.myelin.nn;

import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How one layer class is written to a model file and rebuilt from it ({@link ModelFiles}): its
 * configuration (sizes, flags, children) goes into the file's architecture under {@link #type()};
 * its parameters and buffers travel as the file's tensors and are loaded into the rebuilt layer by
 * {@link Layer#loadStateDict}, so a codec only has to rebuild a layer of the right shape.
 *
 * <p>Myelin's own layers have codecs ({@link LayerCodecs#builtIn()}). For a layer of your own, give
 * {@link ModelFiles} a codec, either per call ({@code LayerCodecs.standard().with(codec)}, as
 * Keras' {@code custom_objects}) or for every call by listing a class that implements this
 * interface, with a public no-argument constructor, in {@code
 * META-INF/services/io.myelin.nn.LayerCodec}:
 *
 * <pre>{@code
 * LayerCodec<Scale> codec = LayerCodec.of("com.example.Scale", Scale.class,
 *     (layer, config) -> config.put("factor", layer.factor()),
 *     config -> new Scale(config.getDouble("factor")));
 * ModelFiles.save(model, file, LayerCodecs.standard().with(codec));
 * Layer back = ModelFiles.load(file, LayerCodecs.standard().with(codec));
 * }</pre>
 *
 * <p>A codec matches its class exactly (not subclasses). {@link #read} must build the layer with
 * the same parameters and buffers (names, shapes) that the saved one had; their values are then
 * overwritten, so initialise them cheaply (a fixed {@link io.myelin.Generator}, not the default
 * stream, so that loading a model does not move the global random state). Implementations must be
 * stateless and thread-safe.
 *
 * @param <L> the layer class
 */
public interface LayerCodec<L extends Layer> {
  /**
   * The name the architecture stores, unique among the codecs in use: Myelin's own use their
   * class's simple name ({@code "Linear"}); qualify yours ({@code "com.example.Scale"}).
   */
  String type();

  /** The exact class this codec writes. */
  Class<L> layerClass();

  /** Writes {@code layer}'s configuration (not its tensors) into {@code config}. */
  void write(L layer, LayerConfig config);

  /**
   * A new layer built from {@code config}, with the saved layer's parameter and buffer names and
   * shapes.
   *
   * @throws IllegalArgumentException when the configuration is incomplete or invalid
   */
  L read(LayerConfig config);

  /** A codec from its two halves. */
  static <L extends Layer> LayerCodec<L> of(
      String type,
      Class<L> layerClass,
      BiConsumer<L, LayerConfig> write,
      Function<LayerConfig, L> read) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(layerClass, "layerClass");
    Objects.requireNonNull(write, "write");
    Objects.requireNonNull(read, "read");
    return new LayerCodec<>() {
      @Override
      public String type() {
        return type;
      }

      @Override
      public Class<L> layerClass() {
        return layerClass;
      }

      @Override
      public void write(L layer, LayerConfig config) {
        write.accept(layer, config);
      }

      @Override
      public L read(LayerConfig config) {
        return read.apply(config);
      }

      @Override
      public String toString() {
        return "LayerCodec[" + type + " <-> " + layerClass.getName() + "]";
      }
    };
  }
}
