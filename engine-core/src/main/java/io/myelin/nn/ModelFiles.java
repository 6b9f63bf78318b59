package io.myelin.nn;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import io.myelin.io.Safetensors;
import io.myelin.io.SafetensorsHeader;
import io.myelin.io.internal.Json;
import io.myelin.io.internal.JsonWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Saves a whole model - architecture, weights, buffers, training-mode flags - in one file, and
 * rebuilds it from that file alone: PyTorch's {@code torch.save(model)} / {@code torch.load},
 * Keras' {@code model.save()} / {@code keras.models.load_model}.
 *
 * <pre>{@code
 * Layer model = new Sequential(FeatureScaling.of(scaler), new Linear(8, 20), ActivationLayer.relu(),
 *     new Linear(20, 2));
 * ... train ...
 * ModelFiles.save(model, Path.of("diabetes.safetensors"));
 * Layer back = ModelFiles.load(Path.of("diabetes.safetensors"));   // same outputs, bit for bit
 * }</pre>
 *
 * <h2>Format</h2>
 *
 * A <a href="https://github.com/huggingface/safetensors">safetensors</a> file: its tensors are the
 * model's {@link Layer#stateDict() state dict} (PyTorch's names and layouts), so {@code
 * safetensors.torch.load_file} reads the weights of an equivalent {@code torch.nn} model unchanged.
 * Its {@code __metadata__} strings hold the rest:
 *
 * <pre>
 * format          "myelin.model"
 * format_version  "1"
 * architecture    {"type":"Sequential","config":{"layers":[{"type":"Linear","config":
 *                 {"in_features":8,"out_features":20,"bias":true}}, ...]}}       (JSON)
 * training        {"":true,"0":true,"1":false, ...}    each layer's mode, by dotted path (JSON)
 * frozen          ["0.weight"]                          parameters with requiresGrad off (JSON)
 * </pre>
 *
 * plus any metadata strings the caller adds. Each layer is written by the {@link LayerCodec} of its
 * class ({@link LayerCodecs}): Myelin's layers have one; give your own layers one (per call, or on
 * the class path via {@code META-INF/services/io.myelin.nn.LayerCodec}).
 *
 * <h2>Preprocessing</h2>
 *
 * Preprocessing travels as a layer, as in Keras: put a {@link FeatureScaling} (e.g. {@code
 * FeatureScaling.of(standardScaler)}) first, and the loaded model takes raw rows. Nothing else is
 * stored beside the model; keep labels or feature names in the metadata strings.
 *
 * <h2>What is not saved</h2>
 *
 * Gradients, optimizer state, and random streams: a loaded {@link Dropout} takes a new generator
 * from the default stream as {@code new Dropout(p)} does (rebuilding the layers draws nothing
 * else). To resume training exactly, use {@link io.myelin.io.CheckpointIO}.
 *
 * <h2>Errors</h2>
 *
 * Saving a layer without a codec fails before anything is written, naming the layer and its class.
 * Writing is atomic (a temporary file renamed over the target: the previous file survives a crash).
 * Loading reports every problem as a {@link io.myelin.io.SafetensorsFormatException} whose message
 * starts with the file name: a file that is not safetensors, is truncated or corrupt; {@link
 * ModelFormatException} for a safetensors file without an architecture (a plain state dict: load it
 * with {@link Safetensors#load} and {@link Layer#loadStateDict}), a newer format version, a layer
 * type without a codec, a bad layer configuration (naming the layer's path and entry), or tensors
 * that do not fit the architecture.
 *
 * <p>Thread-safety: stateless; concurrent calls on different files are fine.
 */
public final class ModelFiles {
  /** The {@code format} metadata of a model file. */
  public static final String FORMAT = "myelin.model";

  /** The format version this class writes and the highest it reads. */
  public static final int VERSION = 1;

  private static final String KEY_FORMAT = "format";
  private static final String KEY_VERSION = "format_version";
  private static final String KEY_ARCHITECTURE = "architecture";
  private static final String KEY_TRAINING = "training";
  private static final String KEY_FROZEN = "frozen";
  private static final List<String> RESERVED =
      List.of(KEY_FORMAT, KEY_VERSION, KEY_ARCHITECTURE, KEY_TRAINING, KEY_FROZEN);

  private ModelFiles() {}

  /** {@link #save(Layer, Path, Map, LayerCodecs)} without metadata, with the standard codecs. */
  public static void save(Layer model, Path file) throws IOException {
    save(model, file, Map.of(), LayerCodecs.standard());
  }

  /** {@link #save(Layer, Path, Map, LayerCodecs)} with the standard codecs. */
  public static void save(Layer model, Path file, Map<String, String> metadata) throws IOException {
    save(model, file, metadata, LayerCodecs.standard());
  }

  /**
   * Writes {@code model} (any device, any dtype) to {@code file}, replacing it atomically.
   *
   * @param metadata strings stored beside the architecture (read back with {@link #metadata}); the
   *     keys format, format_version, architecture, training and frozen are reserved
   * @throws IllegalArgumentException naming the layer when no codec writes its class, or for a
   *     reserved metadata key; nothing is written then
   * @throws IOException when the file cannot be written (the previous file, if any, is kept)
   */
  public static void save(Layer model, Path file, Map<String, String> metadata, LayerCodecs codecs)
      throws IOException {
    for (String key : RESERVED) {
      if (metadata.containsKey(key)) {
        throw new IllegalArgumentException(
            "ModelFiles.save: metadata key '" + key + "' is reserved (" + RESERVED + ")");
      }
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(KEY_FORMAT, FORMAT);
    meta.put(KEY_VERSION, Integer.toString(VERSION));
    meta.put(KEY_ARCHITECTURE, JsonWriter.write(codecs.encode(model, "")));
    Map<String, Object> training = new LinkedHashMap<>();
    walk(model, "", (path, layer) -> training.put(path, layer.isTraining()));
    meta.put(KEY_TRAINING, JsonWriter.write(training));
    List<Object> frozen = new ArrayList<>();
    model
        .namedParameters()
        .forEach(
            (name, p) -> {
              if (!p.requiresGrad()) {
                frozen.add(name);
              }
            });
    meta.put(KEY_FROZEN, JsonWriter.write(frozen));
    meta.putAll(metadata);
    Safetensors.save(file, model.stateDict(), meta);
  }

  /** The model in {@code file}, on the default device, with the standard codecs. */
  public static Layer load(Path file) throws IOException {
    return load(file, Tensor.defaultDevice(), LayerCodecs.standard());
  }

  /** The model in {@code file}, on {@code device}, with the standard codecs. */
  public static Layer load(Path file, Device device) throws IOException {
    return load(file, device, LayerCodecs.standard());
  }

  /** The model in {@code file}, on the default device, rebuilt with {@code codecs}. */
  public static Layer load(Path file, LayerCodecs codecs) throws IOException {
    return load(file, Tensor.defaultDevice(), codecs);
  }

  /**
   * Rebuilds the model saved in {@code file} on {@code device}: the architecture from the metadata,
   * then every parameter and buffer from the tensors (strictly: each name and shape must match),
   * each layer's training mode, and the frozen parameters. Dtypes are those saved (a model saved in
   * float64 loads in float64).
   *
   * @throws io.myelin.io.SafetensorsFormatException (or its {@link ModelFormatException}) whose
   *     message starts with the file name; see the class comment
   * @throws IOException when the file cannot be read
   */
  public static Layer load(Path file, Device device, LayerCodecs codecs) throws IOException {
    String source = sourceName(file);
    SafetensorsHeader header = Safetensors.readHeader(file);
    Map<String, String> meta = header.metadata();
    checkFormat(source, meta);
    Object architecture = parse(source, meta, KEY_ARCHITECTURE);
    Layer model;
    try (var scope = DeviceManager.useDevice(device)) {
      model = codecs.decode(architecture, "");
    } catch (LayerCodecs.PlacedException e) {
      throw new ModelFormatException(source, "architecture: " + e.getMessage());
    }
    try {
      Map<String, Tensor> tensors = Safetensors.read(file, device).tensors();
      try {
        matchDtypes(source, model, tensors);
        model.loadStateDict(tensors, true);
      } catch (IllegalArgumentException e) {
        throw new ModelFormatException(
            source, "the tensors do not fit the architecture: " + e.getMessage());
      } finally {
        tensors.values().forEach(Tensor::close);
      }
      restoreModes(source, model, parse(source, meta, KEY_TRAINING));
      restoreFrozen(source, model, parse(source, meta, KEY_FROZEN));
      return model;
    } catch (IOException | RuntimeException | Error e) {
      model.stateDict().values().forEach(Tensor::close);
      throw e;
    }
  }

  /**
   * The caller's metadata strings of a model file (without the architecture and the other entries
   * this class writes), read without loading any tensor.
   *
   * @throws ModelFormatException when {@code file} is not a model file
   */
  public static Map<String, String> metadata(Path file) throws IOException {
    Map<String, String> meta = Safetensors.readHeader(file).metadata();
    checkFormat(sourceName(file), meta);
    Map<String, String> out = new LinkedHashMap<>(meta);
    RESERVED.forEach(out::remove);
    return out;
  }

  private static void checkFormat(String source, Map<String, String> meta)
      throws ModelFormatException {
    if (!FORMAT.equals(meta.get(KEY_FORMAT)) || !meta.containsKey(KEY_ARCHITECTURE)) {
      throw new ModelFormatException(
          source,
          "not a Myelin model file: its __metadata__ has no"
              + " \"format\": \""
              + FORMAT
              + "\" and architecture"
              + (meta.containsKey(KEY_FORMAT)
                  ? " (format is \"" + meta.get(KEY_FORMAT) + "\")"
                  : "")
              + "; for a plain state dict use Safetensors.load and Layer.loadStateDict");
    }
    String v = meta.get(KEY_VERSION);
    int version;
    try {
      version = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new ModelFormatException(
          source, "metadata format_version must be an integer, found " + v);
    }
    if (version < 1 || version > VERSION) {
      throw new ModelFormatException(
          source,
          "format_version "
              + version
              + " is not one this Myelin reads (1 to "
              + VERSION
              + "); a newer Myelin wrote it");
    }
  }

  private static Object parse(String source, Map<String, String> meta, String key)
      throws ModelFormatException {
    String text = meta.get(key);
    if (text == null) {
      throw new ModelFormatException(source, "metadata has no '" + key + "' entry");
    }
    try {
      return Json.parse(text);
    } catch (Json.SyntaxException e) {
      throw new ModelFormatException(
          source,
          "metadata '"
              + key
              + "' is not valid JSON (character "
              + e.offset()
              + "): "
              + e.getMessage());
    }
  }

  /**
   * Gives the model the file's floating dtype when they differ (a model saved after {@code
   * to(FLOAT64)}): loading converts values to each target's dtype, which would round float64 to
   * float32.
   */
  private static void matchDtypes(String source, Layer model, Map<String, Tensor> tensors)
      throws ModelFormatException {
    Set<DType> fileFloats = EnumSet.noneOf(DType.class);
    boolean differs = false;
    for (var e : model.stateDict().entrySet()) {
      Tensor saved = tensors.get(e.getKey());
      if (saved != null && saved.dtype().isFloating()) {
        fileFloats.add(saved.dtype());
        differs |= saved.dtype() != e.getValue().dtype();
      }
    }
    if (!differs) {
      return;
    }
    if (fileFloats.size() != 1) {
      throw new ModelFormatException(
          source,
          "its tensors mix floating dtypes "
              + fileFloats
              + " where the rebuilt layers have others; only one floating dtype per model is"
              + " restored");
    }
    model.to(fileFloats.iterator().next());
  }

  private static void restoreModes(String source, Layer model, Object json)
      throws ModelFormatException {
    if (!(json instanceof Map<?, ?> modes)) {
      throw new ModelFormatException(source, "metadata 'training' must be a JSON object");
    }
    Map<String, Layer> byPath = new LinkedHashMap<>();
    walk(model, "", byPath::put);
    for (var e : modes.entrySet()) {
      if (!byPath.containsKey((String) e.getKey()) || !(e.getValue() instanceof Boolean)) {
        throw new ModelFormatException(
            source,
            "metadata 'training' entry \""
                + e.getKey()
                + "\": expected a layer path of the architecture and true or false");
      }
    }
    // Parents first: train(mode) sets the whole subtree, then each child sets its own.
    byPath.forEach(
        (path, layer) -> {
          if (modes.get(path) instanceof Boolean b) {
            layer.train(b);
          }
        });
  }

  private static void restoreFrozen(String source, Layer model, Object json)
      throws ModelFormatException {
    Map<String, Tensor> params = model.namedParameters();
    if (!(json instanceof List<?> names)
        || !names.stream().allMatch(n -> n instanceof String s && params.containsKey(s))) {
      throw new ModelFormatException(
          source, "metadata 'frozen' must be a JSON array of the model's parameter names");
    }
    for (Object n : names) {
      params.get((String) n).requiresGrad(false);
    }
  }

  /** The file name messages start with (as Safetensors' own). */
  private static String sourceName(Path file) {
    Path name = file.getFileName();
    return name == null ? file.toString() : name.toString();
  }

  /** Visits {@code layer} and its descendants, parents before children, with dotted paths. */
  private static void walk(Layer layer, String path, BiConsumer<String, Layer> visit) {
    visit.accept(path, layer);
    layer
        .namedChildren()
        .forEach((name, child) -> walk(child, path.isEmpty() ? name : path + "." + name, visit));
  }
}
