package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.data.StandardScaler;
import io.myelin.io.Safetensors;
import io.myelin.io.SafetensorsFormatException;
import io.myelin.nn.Activation;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.AdaptiveAvgPool2d;
import io.myelin.nn.AvgPool2d;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.BatchNorm2d;
import io.myelin.nn.Conv2d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Dropout2d;
import io.myelin.nn.FeatureScaling;
import io.myelin.nn.Flatten;
import io.myelin.nn.Layer;
import io.myelin.nn.LayerCodec;
import io.myelin.nn.LayerCodecs;
import io.myelin.nn.LayerNorm;
import io.myelin.nn.Linear;
import io.myelin.nn.MaxPool2d;
import io.myelin.nn.Maxout;
import io.myelin.nn.ModelFiles;
import io.myelin.nn.ModelFormatException;
import io.myelin.nn.Sequential;
import io.myelin.nn.Softmax;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelFiles} on the device under test: every layer kind of {@code io.myelin.nn} saved and
 * rebuilt from the file alone, with forward outputs and state dicts bit-identical, training modes
 * and frozen parameters kept; user-defined layers through a codec; and one clear message, naming
 * the file, for every bad file.
 */
public abstract class ModelFilesConformanceTest extends DeviceTestBase {
  @TempDir Path dir;

  /** A model and an input it accepts. */
  record Case(String name, Supplier<Layer> model, int... inputShape) {}

  /** One case per layer kind (non-default settings), then the combinations. */
  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("linear", () -> new Linear(5, 3, true, new Generator(1)), 4, 5));
    cases.add(new Case("linear-no-bias", () -> new Linear(5, 3, false, new Generator(2)), 4, 5));
    for (Activation a : Activation.values()) {
      if (a.isLayer()) {
        continue; // maxout: its own case
      }
      cases.add(new Case("activation-" + a.cliName(), a::layer, 3, 7));
    }
    cases.add(new Case("leaky-relu-0.2", () -> ActivationLayer.leakyRelu(0.2), 3, 7));
    cases.add(new Case("elu-0.7", () -> ActivationLayer.elu(0.7), 3, 7));
    cases.add(new Case("softmax-dim0", () -> Softmax.of(0), 3, 7));
    cases.add(new Case("log-softmax-last", () -> Softmax.log(-1), 3, 7));
    cases.add(new Case("dropout", () -> new Dropout(0.3, new Generator(3)), 3, 7));
    cases.add(new Case("dropout2d", () -> new Dropout2d(0.25, new Generator(4)), 2, 3, 4, 4));
    cases.add(new Case("batchnorm1d", () -> new BatchNorm1d(6, 1e-3, 0.3, true, true), 5, 6));
    cases.add(
        new Case("batchnorm1d-plain", () -> new BatchNorm1d(6, 1e-4, 0.1, false, false), 5, 6, 2));
    cases.add(new Case("batchnorm2d", () -> new BatchNorm2d(3), 2, 3, 4, 5));
    cases.add(
        new Case(
            "batchnorm2d-no-affine", () -> new BatchNorm2d(3, 1e-5, 0.2, false, true), 2, 3, 4, 5));
    cases.add(new Case("layernorm", () -> new LayerNorm(new int[] {3, 4}, 1e-3, true), 2, 5, 3, 4));
    cases.add(
        new Case("layernorm-no-affine", () -> new LayerNorm(new int[] {4}, 1e-6, false), 2, 4));
    cases.add(
        new Case(
            "conv2d",
            () ->
                new Conv2d(
                    4,
                    6,
                    new int[] {3, 2},
                    new int[] {2, 1},
                    new int[] {1, 2},
                    new int[] {2, 1},
                    2,
                    true,
                    new Generator(5)),
            2,
            4,
            9,
            7));
    cases.add(
        new Case(
            "conv2d-depthwise-no-bias",
            () ->
                new Conv2d(
                    3,
                    3,
                    new int[] {3},
                    new int[] {1},
                    new int[] {1},
                    new int[] {1},
                    3,
                    false,
                    new Generator(6)),
            1,
            3,
            5,
            5));
    cases.add(
        new Case(
            "maxpool2d",
            () -> new MaxPool2d(new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, true),
            2,
            3,
            7,
            6));
    cases.add(
        new Case(
            "avgpool2d",
            () -> new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, false),
            2,
            3,
            7,
            6));
    cases.add(new Case("adaptive-avgpool2d", () -> new AdaptiveAvgPool2d(2, 3), 2, 3, 7, 8));
    cases.add(new Case("flatten", () -> new Flatten(1, 2), 2, 3, 4, 5));
    cases.add(new Case("maxout", () -> new Maxout(5, 4, 3, new Generator(7)), 6, 5));
    cases.add(
        new Case(
            "feature-scaling",
            () -> FeatureScaling.of(StandardScaler.fit(randomFloats(8, 40, -5, 5), 4)),
            3,
            4));
    cases.add(new Case("feature-scaling-divisor", () -> new FeatureScaling(255, null, null), 3, 4));
    cases.add(
        new Case(
            "sequential-nested",
            () ->
                new Sequential(
                    new FeatureScaling(
                        16, new float[] {0.5f, 1, -1, 2}, new float[] {1, 2, 0.5f, 4}),
                    new Sequential(new Linear(4, 8, true, new Generator(9)), new BatchNorm1d(8)),
                    ActivationLayer.gelu(),
                    new Dropout(0.5, new Generator(10)),
                    new Maxout(8, 3, 2, new Generator(11)),
                    Softmax.log(1)),
            5,
            4));
    cases.add(
        new Case(
            "cnn-viewing-rows-as-images",
            () ->
                new Sequential(
                        new Conv2d(1, 4, 3, new Generator(12)),
                        new BatchNorm2d(4),
                        ActivationLayer.relu(),
                        new Dropout2d(0.2, new Generator(13)),
                        new MaxPool2d(2),
                        new Flatten(),
                        new LayerNorm(36),
                        new Linear(36, 3, true, new Generator(14)))
                    .viewingInputAs(1, 8, 8),
            3,
            64));
    return cases;
  }

  @Test
  void casesCoverEveryConcreteLayerOfTheNnPackage() {
    Set<Class<?>> seen = new HashSet<>();
    for (Case c : cases()) {
      c.model().get().apply(l -> seen.add(l.getClass()));
    }
    List<String> missing = new ArrayList<>();
    for (Class<?> c : NnLayerClasses.concrete()) {
      if (!seen.contains(c)) {
        missing.add(c.getSimpleName());
      }
    }
    assertTrue(missing.isEmpty(), "add a round-trip case for: " + missing);
  }

  @Test
  void everyLayerKindRoundTripsBitForBit() throws IOException {
    for (Case c : cases()) {
      Layer model = c.model().get();
      Tensor x = randn32(100, c.inputShape());
      trainOneForward(model, x); // running statistics off their initial values
      Path file = dir.resolve(c.name() + ".safetensors");
      ModelFiles.save(model, file);
      Layer back = ModelFiles.load(file);
      assertEquals(model.getClass(), back.getClass(), c.name());
      assertEquals(model.toString(), back.toString(), c.name() + ": configuration");
      assertSameState(model, back, c.name());
      assertSameModes(model, back, c.name());
      assertSameOutputs(model, back, x, c.name() + " (eval)", false);
      // Training-mode forwards too, where they are deterministic (no dropout).
      if (!hasDropout(model)) {
        assertSameOutputs(model, back, x, c.name() + " (train)", true);
        assertSameState(model, back, c.name() + " after a training forward");
      }
    }
  }

  @Test
  void keepsEachLayersModeFrozenParametersAndFloat64() throws IOException {
    Sequential model =
        new Sequential(
            new Linear(3, 4, true, new Generator(1)),
            new BatchNorm1d(4),
            new Dropout(0.5, new Generator(2)),
            new Sequential(new Linear(4, 2, true, new Generator(3)), ActivationLayer.tanh()));
    model.to(DType.FLOAT64);
    model.get(1).eval(); // a frozen BatchNorm in a training model
    model.get(3).eval();
    ((Sequential) model.get(3)).get(1).train();
    model.get(0).parameters().get(1).requiresGrad(false);
    Path file = dir.resolve("modes.safetensors");
    ModelFiles.save(model, file, Map.of("classes", "no,yes"));
    Layer back = ModelFiles.load(file);
    assertSameModes(model, back, "modes");
    assertFalse(back.namedParameters().get("0.bias").requiresGrad());
    assertTrue(back.namedParameters().get("0.weight").requiresGrad());
    assertEquals(DType.FLOAT64, back.namedParameters().get("3.0.weight").dtype());
    assertSameState(model, back, "float64");
    assertSameOutputs(model, back, rand64(5, 6, 3), "float64", false);
    assertEquals(Map.of("classes", "no,yes"), ModelFiles.metadata(file));
    // PyTorch's view of the file: the state dict under its usual names, nothing else.
    assertEquals(model.stateDict().keySet(), Safetensors.load(file).keySet());
  }

  @Test
  void loadingDoesNotMoveTheDefaultRandomStream() throws IOException {
    Path file = dir.resolve("mlp.safetensors");
    ModelFiles.save(new Sequential(new Linear(4, 3), ActivationLayer.relu()), file);
    try {
      Generator.manualSeed(42);
      long expected = Generator.fromDefault().seed();
      Generator.manualSeed(42);
      ModelFiles.load(file);
      assertEquals(expected, Generator.fromDefault().seed());
    } finally {
      Generator.manualSeed(Generator.DEFAULT_SEED);
    }
  }

  // ---- user-defined layers -------------------------------------------------------------------

  /** A layer of a user's own: {@code y = x * factor * weight}. */
  public static final class Scale extends Layer {
    private final double factor;

    public Scale(int features, double factor) {
      this.factor = factor;
      registerParameter("weight", Tensor.full(1.0, features));
    }

    public double factor() {
      return factor;
    }

    public int features() {
      return parameter("weight").size(0);
    }

    @Override
    public Tensor forward(Tensor input) {
      return input.mul(parameter("weight")).mul(factor);
    }
  }

  static final LayerCodec<Scale> SCALE =
      LayerCodec.of(
          "test.Scale",
          Scale.class,
          (layer, c) -> c.put("features", layer.features()).put("factor", layer.factor()),
          c -> new Scale(c.getInt("features"), c.getDouble("factor")));

  @Test
  void userLayersNeedACodecAndSayWhere() throws IOException {
    Sequential model = new Sequential(new Linear(3, 3, true, new Generator(1)), new Scale(3, 2.5));
    try (var ignored = Autograd.noGrad()) {
      model.namedParameters().get("1.weight").assign(Tensor.of(new float[] {1, -2, 3}, 3));
    }
    Path file = dir.resolve("user.safetensors");
    Files.writeString(file, "previous");
    var refused = assertThrows(IllegalArgumentException.class, () -> ModelFiles.save(model, file));
    assertTrue(
        refused
            .getMessage()
            .startsWith(
                "cannot save layer '1' of class " + Scale.class.getName() + ": no LayerCodec"),
        refused.getMessage());
    assertEquals("previous", Files.readString(file), "nothing written on a refused save");

    LayerCodecs codecs = LayerCodecs.standard().with(SCALE);
    ModelFiles.save(model, file, Map.of(), codecs);
    Layer back = ModelFiles.load(file, codecs);
    assertSameState(model, back, "user layer");
    assertSameOutputs(model, back, randn32(3, 2, 3), "user layer", false);

    var unknown = assertThrows(ModelFormatException.class, () -> ModelFiles.load(file));
    assertTrue(
        unknown
            .getMessage()
            .startsWith(
                "user.safetensors: architecture: layer '1' has type 'test.Scale', which no"
                    + " LayerCodec reads (known: "),
        unknown.getMessage());
    assertTrue(unknown.getMessage().contains("META-INF/services/io.myelin.nn.LayerCodec"));
  }

  @Test
  void serviceLoaderCodecsNeedNoArgument() throws IOException {
    assertTrue(
        LayerCodecs.standard().types().contains("test.Shift"),
        "the codec listed in META-INF/services");
    assertFalse(LayerCodecs.builtIn().types().contains("test.Shift"));
    Sequential model =
        new Sequential(new Linear(3, 2, true, new Generator(1)), new ShiftCodec.Shift(-1.5));
    Path file = dir.resolve("shift.safetensors");
    ModelFiles.save(model, file);
    Layer back = ModelFiles.load(file);
    assertEquals(model.toString(), back.toString());
    assertSameOutputs(model, back, randn32(4, 5, 3), "service-loaded codec", false);
  }

  // ---- bad files -----------------------------------------------------------------------------

  private Path goodFile() throws IOException {
    Path file = dir.resolve("good.safetensors");
    ModelFiles.save(
        new Sequential(new Linear(4, 3, true, new Generator(1)), new BatchNorm1d(3)), file);
    return file;
  }

  /** {@code good}'s tensors under {@code good}'s metadata with {@code key} set (or removed). */
  private Path withMetadata(String name, String key, String value) throws IOException {
    Path good = goodFile();
    var contents = Safetensors.read(good, Tensor.defaultDevice());
    Map<String, String> meta = new LinkedHashMap<>(contents.metadata());
    if (value == null) {
      meta.remove(key);
    } else {
      meta.put(key, value);
    }
    Path file = dir.resolve(name);
    Safetensors.save(file, contents.tensors(), meta);
    return file;
  }

  private static String failure(Path file) {
    var e = assertThrows(SafetensorsFormatException.class, () -> ModelFiles.load(file));
    assertTrue(
        e.getMessage().startsWith(file.getFileName() + ":"),
        "message must start with the file name: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void badTruncatedAndForeignFilesGiveOneClearMessage() throws IOException {
    Path text = dir.resolve("notes.safetensors");
    Files.writeString(text, "these are not weights");
    failure(text);

    byte[] good = Files.readAllBytes(goodFile());
    for (int cut : new int[] {4, 40, good.length / 2, good.length - 1}) {
      Path truncated = dir.resolve("truncated" + cut + ".safetensors");
      Files.write(truncated, Arrays.copyOf(good, cut));
      failure(truncated);
    }

    Path stateDict = dir.resolve("state.safetensors");
    Safetensors.save(stateDict, new Linear(2, 2).stateDict(), Map.of("format", "pt"));
    String m = failure(stateDict);
    assertTrue(m.contains("not a Myelin model file") && m.contains("format is \"pt\""), m);
    assertTrue(m.contains("Layer.loadStateDict"), m);
    assertInstanceOf(
        ModelFormatException.class,
        assertThrows(SafetensorsFormatException.class, () -> ModelFiles.load(stateDict)));

    assertTrue(
        failure(withMetadata("v2.safetensors", "format_version", "2"))
            .contains("format_version 2"));
    assertTrue(
        failure(withMetadata("json.safetensors", "architecture", "{\"type\":"))
            .contains("metadata 'architecture' is not valid JSON"));
    String arch = Safetensors.readHeader(goodFile()).metadata().get("architecture");
    assertEquals(
        "badconfig.safetensors: architecture: layer '0' (Linear): entry 'in_features' must be an"
            + " integer, found a string",
        failure(
            withMetadata(
                "badconfig.safetensors",
                "architecture",
                arch.replace("\"in_features\":4", "\"in_features\":\"4\""))));
    assertEquals(
        "nocfg.safetensors: architecture: layer '1' (BatchNorm1d): entry 'eps' is missing",
        failure(
            withMetadata(
                "nocfg.safetensors", "architecture", arch.replaceAll("\"eps\":[^,]*,", ""))));
    String misfit =
        failure(
            withMetadata(
                "misfit.safetensors",
                "architecture",
                arch.replace("\"out_features\":3", "\"out_features\":5")));
    assertTrue(
        misfit.startsWith("misfit.safetensors: the tensors do not fit the architecture:")
            && misfit.contains("0.weight"),
        misfit);
    assertTrue(
        failure(withMetadata("mode.safetensors", "training", "{\"7\":true}"))
            .contains("metadata 'training' entry \"7\""));
    assertTrue(
        failure(withMetadata("frozen.safetensors", "frozen", "[\"nope\"]"))
            .contains("metadata 'frozen'"));
    assertTrue(
        failure(withMetadata("noarch.safetensors", "architecture", null))
            .contains("not a Myelin model file"));
    assertEquals(
        "arr.safetensors: architecture: the model must be a JSON object, found an array",
        failure(withMetadata("arr.safetensors", "architecture", "[]")));
    assertTrue(new String(good, StandardCharsets.UTF_8).contains("\"myelin.model\""));
  }

  /**
   * Hostile JSON tokens (no long digit runs: sizes stay small, so a mutant cannot exhaust memory).
   */
  private static final String[] TOKENS = {
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "true",
    "false",
    "-1",
    "0",
    "1.5",
    "1e309",
    "\"x\"",
    "[]",
    "{}",
    "\"Linear\"",
    "\"type\"",
    "\"config\"",
    "\"layers\"",
    "\\u0000"
  };

  @Test
  void mutatedArchitecturesLoadOrFailWithTheFileName() throws IOException {
    String arch = Safetensors.readHeader(goodFile()).metadata().get("architecture");
    java.util.SplittableRandom r = new java.util.SplittableRandom(20);
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    for (int i = 0; i < 150; i++) {
      StringBuilder b = new StringBuilder(arch);
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        int at = r.nextInt(b.length() + 1);
        switch (r.nextInt(3)) {
          case 0 -> b.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
          case 1 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(8)));
          default -> b.setLength(at);
        }
      }
      Path file = withMetadata("mutant.safetensors", "architecture", b.toString());
      String outcome;
      try {
        ModelFiles.load(file).stateDict().values().forEach(Tensor::close);
        outcome = "loaded";
      } catch (SafetensorsFormatException e) {
        assertTrue(e.getMessage().startsWith("mutant.safetensors: "), e.getMessage());
        String m = e.getMessage().replaceAll("[0-9]+", "N");
        outcome = m.substring(20, Math.min(m.length(), 48));
      } catch (RuntimeException e) {
        throw new AssertionError("mutant " + i + " threw " + e + " for architecture " + b, e);
      }
      outcomes.merge(outcome, 1, Integer::sum);
    }
    assertTrue(outcomes.size() > 4, outcomes.toString());
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static void trainOneForward(Layer model, Tensor x) {
    try (var ignored = Autograd.noGrad()) {
      model.train();
      model.forward(x);
      model.forward(x.mul(0.5).add(0.25));
    }
    // Leave a mix of modes behind: the file must keep them.
    if (model instanceof Sequential s && s.size() > 1) {
      s.get(1).eval();
    }
  }

  private static boolean hasDropout(Layer model) {
    boolean[] found = {false};
    model.apply(l -> found[0] |= l instanceof Dropout || l instanceof Dropout2d);
    return found[0];
  }

  static void assertSameState(Layer expected, Layer actual, String what) {
    Map<String, Tensor> e = expected.stateDict();
    Map<String, Tensor> a = actual.stateDict();
    assertEquals(List.copyOf(e.keySet()), List.copyOf(a.keySet()), what + ": state-dict keys");
    for (String k : e.keySet()) {
      SafetensorsConformanceTest.assertSameTensor(e.get(k), a.get(k), what + ": " + k);
    }
    assertEquals(
        expected.namedParameters().keySet(), actual.namedParameters().keySet(), what + " params");
  }

  static void assertSameModes(Layer expected, Layer actual, String what) {
    List<Boolean> e = new ArrayList<>();
    List<Boolean> a = new ArrayList<>();
    expected.apply(l -> e.add(l.isTraining()));
    actual.apply(l -> a.add(l.isTraining()));
    assertEquals(e, a, what + ": training flags, children first");
  }

  private static void assertSameOutputs(
      Layer expected, Layer actual, Tensor x, String what, boolean training) {
    List<Boolean> modesE = new ArrayList<>();
    List<Boolean> modesA = new ArrayList<>();
    expected.apply(l -> modesE.add(l.isTraining()));
    actual.apply(l -> modesA.add(l.isTraining()));
    try (var ignored = Autograd.noGrad()) {
      expected.train(training);
      actual.train(training);
      Tensor ye = expected.forward(x);
      Tensor ya = actual.forward(x);
      SafetensorsConformanceTest.assertSameTensor(ye, ya, what + ": output");
    } finally {
      restore(expected, modesE);
      restore(actual, modesA);
    }
  }

  /** Puts back the modes {@code apply} listed (children first, so set them in that order). */
  private static void restore(Layer model, List<Boolean> modes) {
    List<Layer> order = new ArrayList<>();
    model.apply(order::add);
    // Parents after children in apply's order: set parents first (recursive), then children.
    for (int k = order.size() - 1; k >= 0; k--) {
      order.get(k).train(modes.get(k));
    }
  }
}
