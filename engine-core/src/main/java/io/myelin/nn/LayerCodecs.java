package io.myelin.nn;

import io.myelin.io.internal.Json;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * The set of {@link LayerCodec}s a save or load uses, by type name and by layer class. Immutable:
 * {@link #with} returns a new set, so no global registry exists to be changed behind a caller's
 * back.
 *
 * <pre>{@code
 * LayerCodecs codecs = LayerCodecs.standard().with(myCodec);   // Myelin's, discovered ones, mine
 * ModelFiles.save(model, file, codecs);
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class LayerCodecs {
  /** Where a layer of an unknown class or type can get a codec (said in every such message). */
  static final String HOW_TO_REGISTER =
      "pass a LayerCodec to ModelFiles (LayerCodecs.standard().with(codec)) or list one in"
          + " META-INF/services/io.myelin.nn.LayerCodec";

  private static final LayerCodecs BUILT_IN = new LayerCodecs(BuiltInLayerCodecs.all());

  private final Map<String, LayerCodec<?>> byType;
  private final Map<Class<?>, LayerCodec<?>> byClass;

  private LayerCodecs(Collection<? extends LayerCodec<?>> codecs) {
    Map<String, LayerCodec<?>> types = new LinkedHashMap<>();
    Map<Class<?>, LayerCodec<?>> classes = new LinkedHashMap<>();
    for (LayerCodec<?> c : codecs) {
      types.put(c.type(), c);
      classes.put(c.layerClass(), c);
    }
    this.byType = Collections.unmodifiableMap(types);
    this.byClass = Collections.unmodifiableMap(classes);
  }

  /** The codecs of Myelin's own layers (every concrete layer of {@code io.myelin.nn}). */
  public static LayerCodecs builtIn() {
    return BUILT_IN;
  }

  /**
   * Myelin's codecs plus those listed in {@code META-INF/services/io.myelin.nn.LayerCodec} on the
   * class path (looked up on each call, with this class's class loader). {@link ModelFiles}'s
   * methods without a codecs argument use it.
   */
  public static LayerCodecs standard() {
    List<LayerCodec<?>> found = new ArrayList<>();
    for (LayerCodec<?> c :
        ServiceLoader.load(LayerCodec.class, LayerCodec.class.getClassLoader())) {
      found.add(c);
    }
    return found.isEmpty() ? BUILT_IN : BUILT_IN.with(found.toArray(LayerCodec<?>[]::new));
  }

  /**
   * These codecs plus {@code more}; a codec for a type name or class already present replaces the
   * earlier one (so a user can override how a built-in layer is stored).
   *
   * @throws IllegalArgumentException when two of {@code more} claim the same type or class
   */
  public LayerCodecs with(LayerCodec<?>... more) {
    Map<String, LayerCodec<?>> types = new LinkedHashMap<>();
    Map<Class<?>, LayerCodec<?>> classes = new LinkedHashMap<>();
    for (LayerCodec<?> c : more) {
      LayerCodec<?> t = types.put(c.type(), c);
      LayerCodec<?> k = classes.put(c.layerClass(), c);
      if (t != null || k != null) {
        throw new IllegalArgumentException(
            "two codecs for "
                + (t != null ? "type '" + c.type() + "'" : "class " + c.layerClass().getName())
                + ": "
                + (t != null ? t : k)
                + " and "
                + c);
      }
    }
    List<LayerCodec<?>> all = new ArrayList<>();
    for (LayerCodec<?> c : byType.values()) {
      if (!types.containsKey(c.type()) && !classes.containsKey(c.layerClass())) {
        all.add(c);
      }
    }
    all.addAll(List.of(more));
    return new LayerCodecs(all);
  }

  /** The codec that writes {@code layerClass}, or null. */
  @SuppressWarnings("unchecked")
  public <L extends Layer> LayerCodec<L> forClass(Class<L> layerClass) {
    return (LayerCodec<L>) byClass.get(layerClass);
  }

  /** The codec that reads {@code type}, or null. */
  public LayerCodec<?> forType(String type) {
    return byType.get(type);
  }

  /** Every type name, sorted. */
  public List<String> types() {
    return List.copyOf(new TreeSet<>(byType.keySet()));
  }

  // ---- the architecture's JSON ---------------------------------------------------------------

  /**
   * {@code {"type": ..., "config": {...}}} for {@code layer} at {@code path} (dotted, "" for the
   * model).
   *
   * @throws IllegalArgumentException naming the layer when no codec writes its class
   */
  Map<String, Object> encode(Layer layer, String path) {
    LayerCodec<Layer> codec = codecOf(layer);
    if (codec == null) {
      throw new IllegalArgumentException(
          "cannot save "
              + where(path)
              + " of class "
              + layer.getClass().getName()
              + ": no LayerCodec writes it; "
              + HOW_TO_REGISTER);
    }
    LayerConfig config = LayerConfig.empty(this, path);
    codec.write(layer, config);
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("type", codec.type());
    node.put("config", config.values());
    return node;
  }

  @SuppressWarnings("unchecked")
  private LayerCodec<Layer> codecOf(Layer layer) {
    return (LayerCodec<Layer>) byClass.get(layer.getClass());
  }

  /**
   * Rebuilds the layer {@link #encode} wrote.
   *
   * @throws PlacedException naming the layer's path (and type) and what is wrong
   */
  Layer decode(Object json, String path) {
    if (!(json instanceof Map<?, ?> node)) {
      throw new PlacedException(where(path) + " must be a JSON object, found " + Json.kind(json));
    }
    if (!(node.get("type") instanceof String type)) {
      throw new PlacedException(where(path) + " has no string 'type'");
    }
    LayerCodec<?> codec = byType.get(type);
    if (codec == null) {
      throw new PlacedException(
          where(path)
              + " has type '"
              + type
              + "', which no LayerCodec reads (known: "
              + String.join(", ", types())
              + "); "
              + HOW_TO_REGISTER);
    }
    if (!(node.get("config") instanceof Map<?, ?> config)) {
      throw new PlacedException(where(path) + " (" + type + ") has no 'config' object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> values = (Map<String, Object>) config;
    Layer layer;
    try {
      layer = codec.read(new LayerConfig(new LinkedHashMap<>(values), this, path));
    } catch (PlacedException e) {
      throw e; // a child's problem, already placed
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new PlacedException(where(path) + " (" + type + "): " + e.getMessage());
    }
    if (layer == null || layer.getClass() != codec.layerClass()) {
      throw new PlacedException(
          where(path)
              + " ("
              + type
              + "): its codec built "
              + (layer == null ? "null" : "a " + layer.getClass().getName())
              + ", not a "
              + codec.layerClass().getName());
    }
    return layer;
  }

  static String where(String path) {
    return path.isEmpty() ? "the model" : "layer '" + path + "'";
  }

  /** A problem of the architecture, its message already naming the layer. */
  static final class PlacedException extends IllegalArgumentException {
    PlacedException(String message) {
      super(message);
    }
  }
}
