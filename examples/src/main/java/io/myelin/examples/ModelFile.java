package io.myelin.examples;

import io.myelin.io.internal.Json;
import io.myelin.io.internal.JsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON file saved beside {@code FILE.safetensors} as {@code FILE.json}: everything besides the
 * weights that {@code evaluate} and {@code predict} need: the model spec, the task, the feature and
 * class names, and the preprocessing with its fitted statistics.
 *
 * @param spec the model, sizes resolved
 * @param task {@code classify} or {@code regress}
 * @param dataset the dataset trained on ({@code diabetes}, {@code csv:...})
 * @param features the input feature names, in column order
 * @param classes class names (classification), empty otherwise
 * @param preprocessing what turns raw values into model inputs
 * @param split how the training run split the data (so {@code evaluate} scores the same test rows
 *     by default), or null for a file written before it was recorded
 */
public record ModelFile(
    ModelSpec spec,
    String task,
    String dataset,
    List<String> features,
    List<String> classes,
    Preprocessing preprocessing,
    Split split) {
  static final String FORMAT = "myelin.model";

  /**
   * The training run's split: the rows held out for testing follow from the seed and the fraction
   * alone (the validation part is taken from the rest).
   *
   * @param seed the split's seed ({@code --seed})
   * @param testFraction the fraction held out for testing ({@code --test-split})
   */
  public record Split(long seed, double testFraction) {
    public Split {
      if (!(testFraction >= 0 && testFraction < 1)) {
        throw new IllegalArgumentException(
            "split: test fraction must be in [0, 1), got " + testFraction);
      }
    }
  }

  /** Without a recorded split. */
  public ModelFile(
      ModelSpec spec,
      String task,
      String dataset,
      List<String> features,
      List<String> classes,
      Preprocessing preprocessing) {
    this(spec, task, dataset, features, classes, preprocessing, null);
  }

  public ModelFile {
    features = List.copyOf(features);
    classes = List.copyOf(classes);
  }

  public boolean classification() {
    return task.equals("classify");
  }

  /** {@code model.json} for {@code model.safetensors} (any other name gets {@code .json} added). */
  public static Path besideWeights(Path weights) {
    String name = weights.getFileName().toString();
    String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - 12) : name;
    return weights.resolveSibling(stem + ".json");
  }

  public String toJson() {
    var m = new LinkedHashMap<String, Object>();
    m.put("format", FORMAT);
    m.put("version", 1);
    m.put("model", spec.toJson());
    m.put("task", task);
    m.put("dataset", dataset);
    m.put("features", features);
    m.put("classes", classes);
    m.put("preprocessing", preprocessing.toJson());
    if (split != null) {
      var sp = new LinkedHashMap<String, Object>();
      sp.put("seed", split.seed());
      sp.put("test_fraction", split.testFraction());
      m.put("split", sp);
    }
    return JsonWriter.writeIndented(m);
  }

  /** Writes {@link #toJson()} atomically. */
  public void write(Path file) throws IOException {
    OutputFiles.writeString(file, toJson());
  }

  /**
   * Reads the JSON file beside {@code weights}.
   *
   * @throws NoSuchFileException naming the missing file and why it is needed
   * @throws IllegalArgumentException for malformed content, naming the file (see {@link #parse})
   */
  public static ModelFile readBeside(Path weights) throws IOException {
    Path file = besideWeights(weights);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(),
          null,
          "no model file "
              + file
              + " beside "
              + weights.getFileName()
              + " (myelin train --save writes both)");
    }
    return parse(Files.readAllBytes(file), file.getFileName().toString());
  }

  /**
   * Decodes a model file's bytes, checking everything {@code evaluate} and {@code predict} rely on:
   * UTF-8, JSON syntax, the format tag, each entry's type, and that the spec, the feature and class
   * names and the preprocessing statistics agree in size.
   *
   * @param src the file name for messages
   * @throws IllegalArgumentException whose message starts with {@code src} and says where (byte or
   *     character offset) or which entry is wrong
   */
  public static ModelFile parse(byte[] bytes, String src) {
    Map<String, Object> m = Json.parseObject(bytes, src);
    if (!FORMAT.equals(m.get("format"))) {
      throw new IllegalArgumentException(
          src
              + ": not a myelin model file (format is "
              + m.get("format")
              + ", expected "
              + FORMAT
              + ")");
    }
    try {
      ModelSpec spec = ModelSpec.fromJson(object(m, "model", src), src);
      String task = string(m, "task", src);
      if (!task.equals("classify") && !task.equals("regress")) {
        throw new IllegalArgumentException("entry 'task' must be classify or regress, got " + task);
      }
      List<String> features = strings(m, "features", src);
      List<String> classes = strings(m, "classes", src);
      Preprocessing prep = Preprocessing.fromJson(object(m, "preprocessing", src), src);
      if (features.size() != spec.inputs()) {
        throw new IllegalArgumentException(
            features.size()
                + " feature names for the "
                + spec.inputs()
                + " inputs of "
                + spec.text());
      }
      if (task.equals("classify") && classes.size() != spec.outputs()) {
        throw new IllegalArgumentException(
            classes.size()
                + " class names for the "
                + spec.outputs()
                + " outputs of "
                + spec.text());
      }
      if (prep.mean() != null && prep.mean().length != features.size()) {
        throw new IllegalArgumentException(
            "preprocessing has "
                + prep.mean().length
                + " means for "
                + features.size()
                + " features");
      }
      if (spec.activation() == null) {
        throw new IllegalArgumentException("the model entry has no activation");
      }
      Split split = null;
      if (m.containsKey("split")) {
        Map<String, Object> sp = object(m, "split", src);
        if (!(sp.get("seed") instanceof Number seed)
            || seed.doubleValue() != seed.longValue()
            || !(sp.get("test_fraction") instanceof Number f)) {
          throw new IllegalArgumentException(
              "entry 'split' must hold an integer 'seed' and a" + " number 'test_fraction'");
        }
        split = new Split(seed.longValue(), f.doubleValue());
      }
      return new ModelFile(spec, task, string(m, "dataset", src), features, classes, prep, split);
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      throw msg.startsWith(src + ":") ? e : new IllegalArgumentException(src + ": " + msg, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Map<String, Object> m, String key, String src) {
    if (!(m.get(key) instanceof Map<?, ?> v)) {
      throw new IllegalArgumentException(
          src + ": entry '" + key + "' must be a JSON object, got " + Json.kind(m.get(key)));
    }
    return (Map<String, Object>) v;
  }

  private static String string(Map<String, Object> m, String key, String src) {
    if (!(m.get(key) instanceof String v)) {
      throw new IllegalArgumentException(
          src + ": entry '" + key + "' must be a string, got " + Json.kind(m.get(key)));
    }
    return v;
  }

  private static List<String> strings(Map<String, Object> m, String key, String src) {
    if (!(m.get(key) instanceof List<?> list)
        || !list.stream().allMatch(x -> x instanceof String)) {
      throw new IllegalArgumentException(src + ": entry '" + key + "' must be a list of strings");
    }
    return list.stream().map(String.class::cast).toList();
  }
}
