package io.myelin.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON file saved beside {@code FILE.safetensors} as {@code FILE.json}: everything besides the
 * weights that {@code evaluate} and {@code predict} need: the model spec, the task, the feature
 * and class names, and the preprocessing with its fitted statistics.
 *
 * @param spec the model, sizes resolved
 * @param task {@code classify} or {@code regress}
 * @param dataset the dataset trained on ({@code diabetes}, {@code csv:...})
 * @param features the input feature names, in column order
 * @param classes class names (classification), empty otherwise
 * @param preprocessing what turns raw values into model inputs
 */
public record ModelFile(ModelSpec spec, String task, String dataset, List<String> features,
    List<String> classes, Preprocessing preprocessing) {
  static final String FORMAT = "myelin.model";

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
    return Json.write(m);
  }

  /** Writes {@link #toJson()} atomically. */
  public void write(Path file) throws IOException {
    OutputFiles.writeString(file, toJson());
  }

  /**
   * Reads the JSON file beside {@code weights}.
   *
   * @throws NoSuchFileException naming the missing file and why it is needed
   * @throws IllegalArgumentException for malformed content, naming the file
   */
  @SuppressWarnings("unchecked")
  public static ModelFile readBeside(Path weights) throws IOException {
    Path file = besideWeights(weights);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no model file " + file + " beside "
          + weights.getFileName() + " (myelin train --save writes both)");
    }
    String src = file.getFileName().toString();
    Map<String, Object> m = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8), src);
    if (!FORMAT.equals(m.get("format"))) {
      throw new IllegalArgumentException(src + ": not a myelin model file (format is "
          + m.get("format") + ", expected " + FORMAT + ")");
    }
    try {
      ModelSpec spec = ModelSpec.fromJson((Map<String, Object>) m.get("model"), src);
      return new ModelFile(spec, (String) m.get("task"), (String) m.get("dataset"),
          (List<String>) m.get("features"), (List<String>) m.get("classes"),
          Preprocessing.fromJson((Map<String, Object>) m.get("preprocessing"), src));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException(src + ": incomplete model file (expected model, task,"
          + " dataset, features, classes, preprocessing)");
    }
  }
}
