package io.myelin.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.loss.MSELoss;
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
import io.myelin.nn.LayerNorm;
import io.myelin.nn.Linear;
import io.myelin.nn.MaxPool2d;
import io.myelin.nn.Maxout;
import io.myelin.nn.Sequential;
import io.myelin.nn.Softmax;
import io.myelin.optim.SGD;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Onnx#load}: export -> import gives the same layers, state and outputs (and exports to the
 * same bytes again); an imported model trains and exports again in agreement with ONNX Runtime;
 * torch-exported models import and match ONNX Runtime; what cannot be imported is named.
 */
class OnnxImportTest {
  static float[] random(long seed, int n, double scale) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextGaussian() * scale);
    }
    return x;
  }

  /** A model and its input row shape (batch first, 1). */
  record Case(String name, Layer model, int... shape) {}

  /** Every layer kind the exporter writes, with trained BatchNorm statistics. */
  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    int seed = 100;
    for (Activation kind : Activation.values()) {
      if (kind != Activation.MAXOUT) {
        cases.add(
            new Case(
                kind.name(),
                new Sequential(
                    new Linear(5, 7, true, new Generator(seed++)),
                    kind.layer(),
                    new Linear(7, 3, true, new Generator(seed++))),
                1,
                5));
      }
    }
    cases.add(
        new Case(
            "parameters",
            new Sequential(
                new Linear(4, 6, false, new Generator(1)),
                ActivationLayer.leakyRelu(0.3),
                ActivationLayer.elu(0.7),
                new Dropout(0.25),
                Softmax.log(-1)),
            1,
            4));
    BatchNorm1d bn = new BatchNorm1d(6, 1e-3, 0.2, true, true);
    Layer mixed =
        new Sequential(
            new FeatureScaling(16, random(2, 4, 1), abs(random(3, 4, 1))),
            new Linear(4, 6, true, new Generator(11)),
            bn,
            ActivationLayer.relu(),
            new LayerNorm(6),
            new Maxout(6, 3, 4, new Generator(12)),
            new Dropout(0.5),
            new Linear(3, 2, true, new Generator(13)),
            Softmax.of(1));
    trainStatistics(mixed, 4);
    assertEquals(3.0, bn.numBatchesTracked().item(), "the batch count to carry");
    cases.add(new Case("mixed", mixed, 1, 4));
    BatchNorm2d bn2 = new BatchNorm2d(3);
    Layer images =
        new Sequential(
            new FeatureScaling(255, null, null),
            bn2,
            new Flatten(),
            new Linear(3 * 4 * 5, 4, true, new Generator(14)),
            new LayerNorm(new int[] {4}, 1e-4, true));
    trainStatistics(images, 3, 4, 5);
    cases.add(new Case("images", images, 1, 3, 4, 5));
    // Convolution and pooling on images, and a CNN on flat rows (the CLI's view) behind input
    // scaling.
    BatchNorm2d bn3 = new BatchNorm2d(4);
    Layer convs =
        new Sequential(
            new Conv2d(
                2,
                4,
                new int[] {3, 2},
                new int[] {2, 1},
                new int[] {1, 0},
                new int[] {1, 2},
                2,
                false,
                new Generator(15)),
            bn3,
            ActivationLayer.relu(),
            new MaxPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true),
            new AvgPool2d(new int[] {2}, new int[] {1}, new int[] {1}, false, false),
            new Dropout2d(0.2),
            new AvgPool2d(2),
            new Conv2d(4, 3, 1, new Generator(16)),
            new AdaptiveAvgPool2d(1),
            new Flatten());
    trainStatistics(convs, 2, 12, 11);
    cases.add(new Case("convs", convs, 1, 2, 12, 11));
    Sequential cnn =
        new Sequential(
                new Conv2d(
                    1,
                    3,
                    new int[] {3},
                    new int[] {1},
                    new int[] {1},
                    new int[] {1},
                    1,
                    true,
                    new Generator(17)),
                ActivationLayer.relu(),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(3 * 3 * 4, 2, true, new Generator(18)))
            .viewingInputAs(1, 6, 8);
    cases.add(new Case("cnn", cnn, 1, 48));
    cases.add(
        new Case("scaled cnn", new Sequential(new FeatureScaling(255, null, null), cnn), 1, 48));
    return cases;
  }

  static float[] abs(float[] v) {
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.abs(v[i]) + 0.5f;
    }
    return v;
  }

  // A few training-mode passes move BatchNorm's running statistics off their defaults.
  static void trainStatistics(Layer m, int... row) {
    int n = 16;
    for (int d : row) {
      n *= d;
    }
    int[] shape = new int[row.length + 1];
    shape[0] = 16;
    System.arraycopy(row, 0, shape, 1, row.length);
    m.train();
    for (int i = 0; i < 3; i++) {
      try (var ignored = Autograd.noGrad();
          Tensor x = Tensor.of(random(50 + i, n, 3), shape)) {
        m.forward(x);
      }
    }
  }

  static int[] batch(int[] shape, int n) {
    int[] s = shape.clone();
    s[0] = n;
    return s;
  }

  static int numel(int[] s) {
    return Arrays.stream(s).reduce(1, (a, b) -> a * b);
  }

  @Test
  void roundTripGivesTheSameLayersStateOutputsAndBytes() throws Exception {
    for (Case c : cases()) {
      byte[] bytes = Onnx.toBytes(c.model(), c.shape());
      Sequential back = Onnx.fromBytes(bytes, c.name() + ".onnx");
      assertEquals(c.model().toString(), back.toString(), c.name() + ": the same layers");
      assertTrue(back.isTraining(), "an imported model starts in training mode, as a new one");
      assertSameState(c.name(), c.model(), back);
      int[] s = batch(c.shape(), 9);
      float[] x = random(7, numel(s), 3);
      assertArrayEquals(
          OrtCheck.myelin(c.model(), x, s), OrtCheck.myelin(back, x, s), c.name() + ": outputs");
      assertArrayEquals(
          bytes, Onnx.toBytes(back, c.shape()), c.name() + ": exports to the same bytes again");
      OrtCheck.assertAgrees(back, x, s);
    }
  }

  /** Same names, shapes and values (BatchNorm's num_batches_tracked travels as model metadata). */
  static void assertSameState(String name, Layer expected, Layer actual) {
    Map<String, Tensor> e = expected.stateDict();
    Map<String, Tensor> a = actual.stateDict();
    assertEquals(List.copyOf(e.keySet()), List.copyOf(a.keySet()), name + ": state_dict names");
    for (String k : e.keySet()) {
      assertArrayEquals(e.get(k).shape(), a.get(k).shape(), name + ": " + k + " shape");
      assertEquals(e.get(k).dtype(), a.get(k).dtype(), name + ": " + k + " dtype");
      assertArrayEquals(e.get(k).toFloatArray(), a.get(k).toFloatArray(), name + ": " + k);
    }
  }

  @Test
  void importedModelTrainsOneEpochAndExportsInAgreementWithOrt() throws Exception {
    Layer original =
        new Sequential(
            new Linear(6, 10, true, new Generator(21)),
            new BatchNorm1d(10),
            ActivationLayer.gelu(),
            new Dropout(0.2),
            new Maxout(10, 4, 3, new Generator(22)),
            new LayerNorm(4),
            ActivationLayer.swish(),
            new Linear(4, 2, true, new Generator(23)));
    trainStatistics(original, 6);
    Sequential model = Onnx.fromBytes(Onnx.toBytes(original, new int[] {1, 6}), "m.onnx");
    float[] before = model.stateDict().get("0.weight").toFloatArray();
    float[] runningBefore = model.stateDict().get("1.running_mean").toFloatArray();
    SGD opt = new SGD(model.parameters(), SGD.Options.of(0.05));
    float[] xs = random(24, 64 * 6, 1);
    float[] ys = random(25, 64 * 2, 1);
    model.train();
    for (int b = 0; b < 8; b++) { // one epoch: 64 rows in batches of 8
      try (Tensor x = Tensor.of(Arrays.copyOfRange(xs, b * 48, (b + 1) * 48), 8, 6);
          Tensor y = Tensor.of(Arrays.copyOfRange(ys, b * 16, (b + 1) * 16), 8, 2)) {
        opt.zeroGrad();
        new MSELoss().forward(model.forward(x), y).backward();
        opt.step();
      }
    }
    assertFalse(
        Arrays.equals(before, model.stateDict().get("0.weight").toFloatArray()),
        "the weights moved");
    assertFalse(
        Arrays.equals(runningBefore, model.stateDict().get("1.running_mean").toFloatArray()),
        "the running statistics moved");
    OrtCheck.assertAgrees(model, random(26, 11 * 6, 2), 11, 6);
  }

  static byte[] resource(String name) throws Exception {
    try (InputStream in = OnnxImportTest.class.getResourceAsStream(name)) {
      assertTrue(
          in != null, "test resource " + name + " (onnx/scripts/make_torch_models.py writes it)");
      return in.readAllBytes();
    }
  }

  @Test
  void torchExportedMlpOfEveryOneOpActivationMatchesOrt() throws Exception {
    byte[] bytes = resource("torch_mlp_opset14.onnx");
    Sequential m = Onnx.fromBytes(bytes, "torch_mlp_opset14.onnx");
    assertEquals(
        "Linear ReLU Linear LeakyReLU Linear ELU Linear Softplus Linear Hardtanh Linear Sigmoid Linear Tanh",
        describe(m));
    assertMatchesOrt(m, bytes, 13, 5);
  }

  @Test
  void torchExportedMatMulFlattenGeluSiluBatchNormLayerNormMatchesOrt() throws Exception {
    byte[] bytes = resource("torch_mix_opset17.onnx");
    Sequential m = Onnx.fromBytes(bytes, "torch_mix_opset17.onnx");
    assertEquals(
        "Linear ReLU Flatten Linear GELU Linear SiLU BatchNorm1d Linear LayerNorm Linear LogSoftmax",
        describe(m));
    // No Dropout in this model, so the names are torch's own state_dict names.
    assertEquals(
        List.of(
            "0.weight",
            "0.bias",
            "3.weight",
            "3.bias",
            "5.weight",
            "5.bias",
            "7.weight",
            "7.bias",
            "7.running_mean",
            "7.running_var",
            "7.num_batches_tracked",
            "8.weight",
            "8.bias",
            "9.weight",
            "9.bias",
            "10.weight",
            "10.bias"),
        List.copyOf(m.stateDict().keySet()));
    assertMatchesOrt(m, bytes, 7, 2, 3);
  }

  @Test
  void torchExportedCnnOnFlatRowsMatchesOrt() throws Exception {
    byte[] bytes = resource("torch_cnn_opset14.onnx");
    Sequential m = Onnx.fromBytes(bytes, "torch_cnn_opset14.onnx");
    // torch's eval export folds the BatchNorm into the first Conv.
    assertEquals(
        "Conv2d ReLU MaxPool2d Conv2d ReLU AvgPool2d Conv2d AdaptiveAvgPool2d Flatten Linear",
        describe(m));
    assertArrayEquals(
        new int[] {2, 6, 6}, m.inputView(), "torch's x.reshape(-1, 2, 6, 6) is the input view");
    assertTrue(m.get(5).toString().contains("count_include_pad=true"), m.get(5).toString());
    assertMatchesOrt(m, bytes, 5, 72);
    // Exported again by Myelin, the same function.
    OrtCheck.assertAgrees(m, random(32, 3 * 72, 2), 3, 72);
  }

  @Test
  void poolingThatPyTorchSemanticsCannotSayIsRefusedNamingTheNode() throws Exception {
    // Myelin's own export of a MaxPool2d without ceil_mode, with the attribute edited to ceil_mode
    // 1
    // where ONNX's extra window starts in the right padding (5 rows, kernel 2, stride 2, padding
    // 1).
    byte[] bytes =
        Onnx.toBytes(
            new Sequential(new MaxPool2d(new int[] {2}, new int[] {2}, new int[] {1}, false)),
            new int[] {1, 1, 5, 6});
    byte[] ceil = withCeilMode(bytes);
    var e = assertThrows(UnsupportedOnnxException.class, () -> Onnx.fromBytes(ceil, "ceil.onnx"));
    assertTrue(
        e.getMessage().contains("ceil.onnx")
            && e.getMessage().contains("MaxPool")
            && e.getMessage().contains("ceil_mode"),
        e.getMessage());
  }

  // The exporter writes ceil_mode as an INT attribute: name "ceil_mode", i = 0 (field 3, varint 0).
  private static byte[] withCeilMode(byte[] bytes) {
    byte[] name = "ceil_mode".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i + name.length + 2 <= bytes.length; i++) {
      if (Arrays.equals(Arrays.copyOfRange(bytes, i, i + name.length), name)
          && bytes[i + name.length] == 0x18
          && bytes[i + name.length + 1] == 0) {
        byte[] out = bytes.clone();
        out[i + name.length + 1] = 1;
        return out;
      }
    }
    throw new AssertionError("no ceil_mode = 0 attribute in the export");
  }

  static String describe(Sequential m) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < m.size(); i++) {
      Layer l = m.get(i);
      names.add(
          switch (l) {
            case ActivationLayer a -> a.kind().displayName().replace("-", "").replace(" ", "");
            case Softmax s -> s.isLog() ? "LogSoftmax" : "Softmax";
            default -> l.getClass().getSimpleName();
          });
    }
    return String.join(" ", names);
  }

  static void assertMatchesOrt(Layer m, byte[] bytes, int... shape) throws Exception {
    float[] x = random(31, numel(shape), 2);
    float[] expected = OrtCheck.run(bytes, x, shape);
    float[] actual = OrtCheck.myelin(m, x, shape);
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
      final int at = i;
      assertTrue(
          err <= OrtCheck.RTOL,
          () -> "element " + at + ": Myelin " + actual[at] + " vs ORT " + expected[at]);
    }
  }

  @Test
  void anOpOutsideTheSetIsRefusedNamingTheNodeAndOpType() {
    OnnxGraph g = new OnnxGraph();
    String relu = g.node("Relu", "input");
    String cos = g.node("Cos", relu);
    var e =
        assertThrows(
            UnsupportedOnnxException.class,
            () -> Onnx.fromBytes(Onnx.modelBytes(g, new int[] {1, 3}, cos, 2), "cos.onnx"));
    assertTrue(
        e.getMessage().startsWith("cos.onnx: node 'cos_1' (Cos): op type Cos has no Myelin layer"),
        e.getMessage());

    OnnxGraph branch = new OnnxGraph();
    String a = branch.node("Relu", "input");
    String b = branch.node("Tanh", a);
    String sum = branch.node("Add", List.of(b, a)); // a residual: not a chain
    var e2 =
        assertThrows(
            UnsupportedOnnxException.class,
            () -> Onnx.fromBytes(Onnx.modelBytes(branch, new int[] {1, 3}, sum, 2), "res.onnx"));
    assertTrue(e2.getMessage().startsWith("res.onnx: node 'add_2' (Add):"), e2.getMessage());

    OnnxGraph clip = new OnnxGraph();
    String c = clip.node("Clip", List.of("input", clip.scalar("lo", 0), clip.scalar("hi", 6)));
    var e3 =
        assertThrows(
            UnsupportedOnnxException.class,
            () -> Onnx.fromBytes(Onnx.modelBytes(clip, new int[] {1, 3}, c, 2), "relu6.onnx"));
    assertTrue(e3.getMessage().contains("(Clip): only Clip(x, -1, 1)"), e3.getMessage());
  }

  @Test
  void aWeightThatDoesNotFitItsInputIsNamed() {
    OnnxGraph g = new OnnxGraph();
    String y =
        g.node(
            "Gemm",
            List.of("input", g.constant("w", new float[12], 3, 4)),
            OnnxGraph.Attr.i("transB", 1));
    var e =
        assertThrows(
            OnnxFormatException.class,
            () -> Onnx.fromBytes(Onnx.modelBytes(g, new int[] {1, 5}, y, 2), "w.onnx"));
    assertEquals(
        "w.onnx: node 'gemm_1' (Gemm): weight 'w_0' [3, 4] takes 4 features, the input has shape [1, 5]",
        e.getMessage());
    // An attribute of the wrong type is a malformed file, not the default (transB = 0 would
    // transpose a square weight).
    OnnxGraph f = new OnnxGraph();
    String z =
        f.node(
            "Gemm",
            List.of("input", f.constant("w", new float[16], 4, 4)),
            OnnxGraph.Attr.f("transB", 1));
    var e2 =
        assertThrows(
            OnnxFormatException.class,
            () -> Onnx.fromBytes(Onnx.modelBytes(f, new int[] {1, 4}, z, 2), "t.onnx"));
    assertEquals(
        "t.onnx: node 'gemm_1' (Gemm): attribute 'transB' has type 1, the op defines type 2",
        e2.getMessage());
  }

  @Test
  void corruptBytesAreNamedWithTheirOffset(@TempDir Path dir) throws Exception {
    byte[] bytes =
        Onnx.toBytes(new Sequential(new Linear(3, 2, true, new Generator(1))), new int[] {1, 3});
    var e =
        assertThrows(
            OnnxFormatException.class,
            () -> Onnx.fromBytes(Arrays.copyOf(bytes, bytes.length - 7), "cut.onnx"));
    assertTrue(e.getMessage().matches("cut\\.onnx:byte \\d+: .*"), e.getMessage());
    assertTrue(e.offset() >= 0 && e.offset() < bytes.length, "offset " + e.offset());
    Path text = dir.resolve("notes.onnx");
    Files.writeString(text, "this is not a model\n");
    var e2 = assertThrows(OnnxFormatException.class, () -> Onnx.load(text));
    assertTrue(e2.getMessage().startsWith("notes.onnx:"), e2.getMessage());
    Path file = dir.resolve("ok.onnx");
    Files.write(file, bytes);
    assertEquals(1, Onnx.load(file).size());
  }
}
