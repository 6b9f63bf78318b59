package io.myelin.examples;

import io.myelin.io.internal.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A multilayer perceptron as the command line describes it: {@code mlp:IN-H1-...-OUT} plus the
 * activation, batch norm, dropout and initialisation options.
 *
 * <p>The model built from it is the equivalent of PyTorch's {@code nn.Sequential} of blocks {@code
 * Linear, [BatchNorm1d], activation, [Dropout]} for each hidden layer, then a last {@code Linear};
 * with {@code maxout} each hidden block starts with a {@code Maxout} layer instead of {@code
 * Linear} + activation. Saved weights use the Sequential's {@code state_dict()} names, e.g. {@code
 * 0.weight}, {@code 0.bias}, {@code 2.weight} for Linear, ReLU, Linear.
 *
 * @param sizes layer widths, input first; {@link #AUTO} for an input or output taken from the data
 * @param activation the activation's command-line name ({@code relu}, {@code leaky-relu}...)
 * @param batchNorm a BatchNorm1d after each hidden Linear
 * @param dropout dropout probability after each hidden activation, 0 for none
 * @param init weight initialisation name, or {@code default} for PyTorch's Linear default
 * @param cnn a convolutional network's {@code cnn:...} text ({@link CnnSpec}), or null for an MLP;
 *     then sizes are {@code [inputs, classes]} and the layers come from the text
 */
public record ModelSpec(
    List<Integer> sizes,
    String activation,
    boolean batchNorm,
    double dropout,
    String init,
    String cnn)
    implements java.io.Serializable { // shipped to Spark workers by --spark
  /** A size taken from the data. */
  public static final int AUTO = -1;

  /** Pieces of each maxout unit. */
  public static final int MAXOUT_PIECES = 2;

  /** An MLP. */
  public ModelSpec(
      List<Integer> sizes, String activation, boolean batchNorm, double dropout, String init) {
    this(sizes, activation, batchNorm, dropout, init, null);
  }

  /**
   * A convolutional network from {@code cnn:...} or a preset name ({@link CnnSpec}).
   *
   * @throws IllegalArgumentException one line naming the bad token
   */
  public static ModelSpec cnn(String model, String init) {
    CnnSpec c = CnnSpec.parse(model);
    if (init != null && !init.equals("default")) {
      throw new IllegalArgumentException(
          "--init "
              + init
              + " applies to MLPs only; convolutional"
              + " models use PyTorch's default initialisation");
    }
    return new ModelSpec(
        List.of(ModelSpec.AUTO, c.classes()), "relu", false, 0, "default", c.text());
  }

  public ModelSpec {
    sizes = List.copyOf(sizes);
    if (sizes.size() < 2) {
      throw new IllegalArgumentException("a model needs at least an input and an output size");
    }
    for (int i = 0; i < sizes.size(); i++) {
      int s = sizes.get(i);
      boolean end = i == 0 || i == sizes.size() - 1;
      if (s == AUTO ? !end : s < 1) {
        throw new IllegalArgumentException(
            s == AUTO
                ? "only the input and output sizes may be 'auto', not hidden layer " + i
                : "layer sizes must be positive, got " + s);
      }
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
    }
  }

  /**
   * Parses {@code mlp:IN-H1-...-OUT}; IN and OUT may be {@code auto}.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public static List<Integer> parseSizes(String text) {
    String usage =
        "bad --model '"
            + text
            + "': expected mlp:IN-H1-...-OUT with positive sizes"
            + " (IN and OUT may be 'auto'), e.g. mlp:auto-128-auto or mlp:8-20-20-2, or a convolutional"
            + " network cnn:TOKEN-...-CLASSES or a preset (convnet, lenet5)";
    if (text == null || !text.startsWith("mlp:")) {
      throw new IllegalArgumentException(usage);
    }
    String[] parts = text.substring(4).split("-", -1);
    if (parts.length < 2) {
      throw new IllegalArgumentException(usage);
    }
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim();
      boolean end = i == 0 || i == parts.length - 1;
      if (p.equalsIgnoreCase("auto") && end) {
        sizes.add(AUTO);
        continue;
      }
      try {
        int v = Integer.parseInt(p);
        if (v < 1) {
          throw new IllegalArgumentException(usage);
        }
        sizes.add(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(usage);
      }
    }
    return sizes;
  }

  /** The spec with {@code auto} sizes replaced by the data's. */
  public ModelSpec resolve(int inputs, int outputs) {
    List<Integer> s = new ArrayList<>(sizes);
    check(0, inputs, "input", "features");
    check(s.size() - 1, outputs, "output", "outputs (classes or targets)");
    s.set(0, inputs);
    s.set(s.size() - 1, outputs);
    return new ModelSpec(s, activation, batchNorm, dropout, init, cnn);
  }

  private void check(int index, int actual, String what, String unit) {
    int want = sizes.get(index);
    if (want != AUTO && want != actual) {
      throw new IllegalArgumentException(
          "--model "
              + text()
              + " has "
              + what
              + " size "
              + want
              + " but the data has "
              + actual
              + " "
              + unit
              + " (use 'auto' to take it from the data)");
    }
  }

  /**
   * The largest in x out of the model's layers as far as the spec says without the data (sizes
   * taken from the data count as 1; a convolutional network as {@link Long#MAX_VALUE}): the size
   * hint of {@code Backend.expectMatmul}.
   */
  public long largestLayerProduct() {
    if (cnn != null) {
      return Long.MAX_VALUE;
    }
    long largest = 0;
    for (int i = 0; i + 1 < sizes.size(); i++) {
      long in = Math.max(1, sizes.get(i));
      long out = Math.max(1, sizes.get(i + 1));
      largest = Math.max(largest, in * out);
    }
    return largest;
  }

  public int inputs() {
    return sizes.getFirst();
  }

  public int outputs() {
    return sizes.getLast();
  }

  /** {@code mlp:8-20-20-2}, or the {@code cnn:...} text. */
  public String text() {
    if (cnn != null) {
      return cnn;
    }
    StringBuilder sb = new StringBuilder("mlp:");
    for (int i = 0; i < sizes.size(); i++) {
      sb.append(i > 0 ? "-" : "").append(sizes.get(i) == AUTO ? "auto" : sizes.get(i).toString());
    }
    return sb.toString();
  }

  /** {@code mlp:8-20-20-2 relu} plus batch norm / dropout when on. */
  public String describe() {
    if (cnn != null) {
      return cnn;
    }
    return text()
        + " "
        + activation
        + (batchNorm ? " batch-norm" : "")
        + (dropout > 0 ? " dropout " + Report.num(dropout) : "");
  }

  public Map<String, Object> toJson() {
    var m = new LinkedHashMap<String, Object>();
    if (cnn != null) {
      m.put("type", "cnn");
      m.put("spec", cnn);
      m.put("sizes", sizes);
      return m;
    }
    m.put("type", "mlp");
    m.put("spec", text());
    m.put("sizes", sizes);
    m.put("activation", activation);
    m.put("batch_norm", batchNorm);
    m.put("dropout", dropout);
    m.put("init", init);
    return m;
  }

  public static ModelSpec fromJson(Map<String, Object> m, String source) {
    try {
      if ("cnn".equals(m.get("type"))) {
        @SuppressWarnings("unchecked")
        List<Number> sizes = (List<Number>) m.get("sizes");
        return cnn((String) m.get("spec"), "default")
            .resolve(sizes.get(0).intValue(), sizes.get(1).intValue());
      }
      return new ModelSpec(
          parseSizes((String) m.get("spec")),
          (String) m.get("activation"),
          Boolean.TRUE.equals(m.get("batch_norm")),
          ((Number) m.get("dropout")).doubleValue(),
          Json.isNull(m.get("init")) ? "default" : (String) m.get("init"));
    } catch (ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException(
          source
              + ": the model entry is incomplete (expected spec, "
              + "activation, batch_norm, dropout)");
    }
  }
}
