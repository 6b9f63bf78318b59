package io.myelin.nn;

import io.myelin.io.internal.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration of one layer in a model file: named values a {@link LayerCodec} writes when a
 * model is saved and reads back to rebuild the layer, as Keras' {@code get_config()} / {@code
 * from_config()}. Weights are not here: they travel as tensors and are loaded after the layer is
 * built.
 *
 * <p>Values are integers, doubles (NaN and infinities included), booleans, strings, int and double
 * arrays, and layers (a container's children, encoded by their own codecs). Every getter checks the
 * type and throws {@link IllegalArgumentException} naming the entry and what it found; {@link
 * ModelFiles#load} adds the file and the layer's path to that message.
 *
 * <pre>{@code
 * // a codec's two halves
 * (layer, config) -> config.put("in_features", layer.inFeatures()).put("bias", layer.bias() != null)
 * config -> new Linear(config.getInt("in_features"), ..., config.getBoolean("bias"), gen)
 * }</pre>
 *
 * <p>Not thread-safe: one instance per layer per save or load.
 */
public final class LayerConfig {
  private static final String NAN = "NaN";
  private static final String POSITIVE_INFINITY = "Infinity";
  private static final String NEGATIVE_INFINITY = "-Infinity";

  private final Map<String, Object> values;
  private final LayerCodecs codecs;
  private final String path;

  /** Encodes or decodes the children of the layer at {@code path} with {@code codecs}. */
  LayerConfig(Map<String, Object> values, LayerCodecs codecs, String path) {
    this.values = values;
    this.codecs = codecs;
    this.path = path;
  }

  /** The JSON object this configuration is stored as. */
  Map<String, Object> values() {
    return Collections.unmodifiableMap(values);
  }

  /** Whether the entry {@code key} is present. */
  public boolean has(String key) {
    return values.containsKey(key) && !Json.isNull(values.get(key));
  }

  // ---- writing -------------------------------------------------------------------------------

  private LayerConfig putValue(String key, Object value) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("layer config keys must be non-empty");
    }
    if (values.putIfAbsent(key, value) != null) {
      throw new IllegalArgumentException("layer config entry '" + key + "' written twice");
    }
    return this;
  }

  public LayerConfig put(String key, long value) {
    return putValue(key, value);
  }

  /** Exact: a double is written in its shortest round-trip form; NaN and infinities as strings. */
  public LayerConfig put(String key, double value) {
    return putValue(key, encodeDouble(value));
  }

  public LayerConfig put(String key, boolean value) {
    return putValue(key, value);
  }

  public LayerConfig put(String key, String value) {
    return putValue(key, java.util.Objects.requireNonNull(value, key));
  }

  public LayerConfig put(String key, int[] value) {
    List<Object> list = new ArrayList<>(value.length);
    for (int v : value) {
      list.add((long) v);
    }
    return putValue(key, list);
  }

  public LayerConfig put(String key, double[] value) {
    List<Object> list = new ArrayList<>(value.length);
    for (double v : value) {
      list.add(encodeDouble(v));
    }
    return putValue(key, list);
  }

  /** A child layer, encoded with its own codec (its type and configuration). */
  public LayerConfig putLayer(String key, Layer layer) {
    return putValue(key, codecs.encode(layer, child(key)));
  }

  /**
   * Child layers in order, each encoded with its own codec, for a container that names its children
   * {@code "0"}, {@code "1"}, ... as {@link Sequential} does (messages name them so).
   */
  public LayerConfig putLayers(String key, List<? extends Layer> layers) {
    List<Object> list = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      list.add(codecs.encode(layers.get(i), child(Integer.toString(i))));
    }
    return putValue(key, list);
  }

  /** The dotted path of a child, as in state-dict names ({@code "0"}, {@code "3.linear"}). */
  private String child(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  // ---- reading -------------------------------------------------------------------------------

  private Object required(String key) {
    Object v = values.get(key);
    if (Json.isNull(v)) {
      throw new IllegalArgumentException("entry '" + key + "' is missing");
    }
    return v;
  }

  private IllegalArgumentException wrongType(String key, String expected, Object found) {
    return new IllegalArgumentException(
        "entry '" + key + "' must be " + expected + ", found " + describe(found));
  }

  private static String describe(Object v) {
    return v instanceof Number || v instanceof Boolean ? Json.kind(v) + " " + v : Json.kind(v);
  }

  public long getLong(String key) {
    Object v = required(key);
    if (v instanceof Long l) {
      return l;
    }
    throw wrongType(key, "an integer", v);
  }

  public int getInt(String key) {
    long v = getLong(key);
    if (v != (int) v) {
      throw new IllegalArgumentException("entry '" + key + "' = " + v + " does not fit an int");
    }
    return (int) v;
  }

  /**
   * A number (integers too), or the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}.
   */
  public double getDouble(String key) {
    return decodeDouble(key, required(key));
  }

  public boolean getBoolean(String key) {
    Object v = required(key);
    if (v instanceof Boolean b) {
      return b;
    }
    throw wrongType(key, "true or false", v);
  }

  public String getString(String key) {
    Object v = required(key);
    if (v instanceof String s) {
      return s;
    }
    throw wrongType(key, "a string", v);
  }

  public int[] getIntArray(String key) {
    List<?> list = list(key);
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Long l) || l != l.intValue()) {
        throw wrongType(key + "[" + i + "]", "an int", list.get(i));
      }
      out[i] = l.intValue();
    }
    return out;
  }

  public double[] getDoubleArray(String key) {
    List<?> list = list(key);
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = decodeDouble(key + "[" + i + "]", list.get(i));
    }
    return out;
  }

  /** The child layer stored by {@link #putLayer}, rebuilt with its codec. */
  public Layer getLayer(String key) {
    return codecs.decode(required(key), child(key));
  }

  /** The child layers stored by {@link #putLayers}, rebuilt in order. */
  public List<Layer> getLayers(String key) {
    List<?> list = list(key);
    List<Layer> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(codecs.decode(list.get(i), child(Integer.toString(i))));
    }
    return out;
  }

  private List<?> list(String key) {
    Object v = required(key);
    if (v instanceof List<?> l) {
      return l;
    }
    throw wrongType(key, "an array", v);
  }

  private static Object encodeDouble(double v) {
    if (Double.isNaN(v)) {
      return NAN;
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
    }
    return v;
  }

  private double decodeDouble(String key, Object v) {
    return switch (v) {
      case Double d -> d;
      case Long l -> l;
      case String s when s.equals(NAN) -> Double.NaN;
      case String s when s.equals(POSITIVE_INFINITY) -> Double.POSITIVE_INFINITY;
      case String s when s.equals(NEGATIVE_INFINITY) -> Double.NEGATIVE_INFINITY;
      default -> throw wrongType(key, "a number", v);
    };
  }

  /** A fresh, empty configuration for writing (package use: {@link LayerCodecs#encode}). */
  static LayerConfig empty(LayerCodecs codecs, String path) {
    return new LayerConfig(new LinkedHashMap<>(), codecs, path);
  }
}
