package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.data.ArrayDataset;
import io.myelin.data.Splits;
import io.myelin.examples.DataOptions;
import io.myelin.examples.Datasets;
import io.myelin.examples.LoadedDataset;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelFile;
import io.myelin.io.Safetensors;
import io.myelin.nn.FeatureScaling;
import io.myelin.nn.Layer;
import io.myelin.nn.Sequential;
import io.myelin.onnx.Onnx;
import io.myelin.train.Metrics;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code myelin export --onnx}: ONNX Runtime runs the exported example models (trained briefly
 * here) on raw rows, with the saved preprocessing inside the graph, and agrees with Myelin within
 * 1e-5 relative; its predictions on digits' test split are {@code myelin predict}'s.
 */
class OnnxCliTest {
  static final double RTOL = 1e-5;

  /** ONNX Runtime's output for raw rows {@code x} of {@code cols} features. */
  static float[] ort(Path model, float[] x, int cols) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor in =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {x.length / cols, cols});
        OrtSession.Result r = s.run(Map.of("input", in))) {
      FloatBuffer fb = ((OnnxTensor) r.get("output").orElseThrow()).getFloatBuffer();
      float[] y = new float[fb.remaining()];
      fb.get(y);
      return y;
    }
  }

  /** Myelin's eval output for the same raw rows: the saved model behind the saved preprocessing. */
  static float[] myelin(Path weights, float[] x, int cols) throws Exception {
    ModelFile mf = ModelFile.readBeside(weights);
    Sequential model = Mlp.build(mf.spec(), new Generator(0));
    var state = Safetensors.load(weights);
    model.loadStateDict(state, true);
    Layer m = ExportCommand.withPreprocessing(model, mf.preprocessing());
    m.eval();
    try (var ignored = Autograd.noGrad();
        Tensor in = Tensor.of(x, x.length / cols, cols)) {
      return m.forward(in).toFloatArray();
    }
  }

  /** Raw rows (the loader's division undone: digits are integers 0..16, images 0..255). */
  static float[] raw(LoadedDataset d, ArrayDataset rows) {
    float[] x = rows.features().clone();
    double divisor = d.preprocessing().divisor();
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.rint(x[i] * divisor * 1e4) / 1e4f;
    }
    return x;
  }

  static void assertClose(String what, float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, what + ": output size");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
      worst = Math.max(worst, err);
      final int at = i;
      assertTrue(
          err <= RTOL,
          () -> what + ": element " + at + " ORT " + actual[at] + " vs Myelin " + expected[at]);
    }
    System.out.println(
        what + ": " + expected.length + " outputs, max relative difference " + worst);
  }

  static Path trainAndExport(Path dir, String name, String... trainOptions) {
    Path w = dir.resolve(name + ".safetensors");
    List<String> args = new ArrayList<>(List.of("train"));
    args.addAll(Arrays.asList(trainOptions));
    args.addAll(List.of("--save", w.toString()));
    Cli t = Cli.run(args.toArray(String[]::new));
    assertEquals(0, t.code(), t.err());
    Path onnx = dir.resolve(name + ".onnx");
    Cli e = Cli.run("export", "--onnx", onnx.toString(), "--weights", w.toString());
    assertEquals(0, e.code(), e.err());
    assertTrue(e.err().contains("wrote " + onnx), e.err());
    return w;
  }

  @Test
  void digitsOnnxPredictionsOnTheTestSplitAreMyelinPredicts(@TempDir Path dir) throws Exception {
    Path w = trainAndExport(dir, "d", "digits", "--epochs", "2");
    LoadedDataset d = Datasets.load("digits", DataOptions.defaults());
    ArrayDataset all = d.data();
    ArrayDataset test =
        all.select(Splits.stratified(all.labels(), 0, 0.2, 0).test()); // the CLI's split
    float[] x = raw(d, test);
    int cols = all.cols();
    StringBuilder csv = new StringBuilder(String.join(",", all.featureNames())).append('\n');
    for (int i = 0; i < test.rows(); i++) {
      for (int j = 0; j < cols; j++) {
        csv.append(j > 0 ? "," : "").append((int) x[i * cols + j]);
      }
      csv.append('\n');
    }
    Path in = dir.resolve("test.csv");
    Files.writeString(in, csv);
    Path out = dir.resolve("p.csv");
    Cli p =
        Cli.run(
            "predict",
            "--weights",
            w.toString(),
            "--input",
            in.toString(),
            "--output",
            out.toString());
    assertEquals(0, p.code(), p.err());
    List<String> lines = Files.readAllLines(out);
    assertEquals(test.rows() + 1, lines.size());

    float[] scores = ort(dir.resolve("d.onnx"), x, cols);
    int k = scores.length / test.rows();
    int[] predicted = Metrics.argmaxRows(scores, k);
    List<String> classes = ModelFile.readBeside(w).classes();
    int same = 0;
    for (int i = 0; i < test.rows(); i++) {
      assertEquals(lines.get(i + 1).split(",")[0], classes.get(predicted[i]), "row " + i);
      same++;
    }
    assertEquals(test.rows(), same);
    assertTrue(test.rows() > 300, "digits' test split has " + test.rows() + " rows");
    assertClose("digits (" + test.rows() + " test rows)", myelin(w, x, cols), scores);

    // The exported file imports back (the preprocessing as a FeatureScaling layer) and agrees too.
    Sequential back = Onnx.load(dir.resolve("d.onnx"));
    assertTrue(back.get(0) instanceof FeatureScaling, back.toString());
    back.eval();
    try (var ignored = Autograd.noGrad();
        Tensor t = Tensor.of(x, test.rows(), cols)) {
      assertClose("digits imported back", back.forward(t).toFloatArray(), scores);
    }
  }

  @Test
  void digitsCnnExportTakesTheFlatRowsAndAgreesWithOnnxRuntime(@TempDir Path dir) throws Exception {
    // Conv (padding), BatchNorm2d, MaxPool, AvgPool, Dropout, global average pooling, on the CLI's
    // view of the 64 raw pixel columns as a 1 x 8 x 8 image.
    Path w =
        trainAndExport(
            dir,
            "cnn",
            "digits",
            "--model",
            "cnn:c8k3p1-bn-relu-p2-c12k3p1-relu-a2s1-d0.2-gap-flatten-auto",
            "--epochs",
            "1");
    LoadedDataset d = Datasets.load("digits", DataOptions.defaults());
    ArrayDataset all = d.data();
    ArrayDataset test =
        all.select(Splits.stratified(all.labels(), 0, 0.2, 0).test()); // the CLI's split
    float[] x = raw(d, test);
    Path onnx = dir.resolve("cnn.onnx");
    float[] scores = ort(onnx, x, all.cols());
    assertClose("digits cnn (" + test.rows() + " test rows)", myelin(w, x, all.cols()), scores);
    // It imports back: input scaling, then the CNN with its view of the rows.
    Sequential back = Onnx.load(onnx);
    assertTrue(
        back.get(0) instanceof FeatureScaling
            && back.get(1) instanceof Sequential cnn
            && Arrays.equals(cnn.inputView(), new int[] {1, 8, 8}),
        back.toString());
    back.eval();
    try (var ignored = Autograd.noGrad();
        Tensor t = Tensor.of(x, test.rows(), all.cols())) {
      assertClose("digits cnn imported back", back.forward(t).toFloatArray(), scores);
    }
  }

  @Test
  void trainedExampleModelsRunInOnnxRuntimeAsInMyelin(@TempDir Path dir) throws Exception {
    record Run(String dataset, String[] options) {}
    List<Run> runs =
        List.of(
            new Run("diabetes", new String[] {"--epochs", "30", "--standardize"}),
            new Run(
                "digits",
                new String[] {
                  "--epochs",
                  "1",
                  "--batch-norm",
                  "--dropout",
                  "0.2",
                  "--activation",
                  "gelu",
                  "--standardize"
                }),
            new Run(
                "digits",
                new String[] {
                  "--epochs", "1", "--model", "mlp:auto-32-16-auto", "--activation", "maxout"
                }),
            new Run("mnist", new String[] {"--epochs", "1", "--model", "mlp:auto-64-auto"}));
    int n = 0;
    for (Run r : runs) {
      List<String> args = new ArrayList<>(List.of(r.dataset()));
      args.addAll(Arrays.asList(r.options()));
      Path w = trainAndExport(dir, r.dataset() + (n++), args.toArray(String[]::new));
      LoadedDataset d = Datasets.load(r.dataset(), DataOptions.defaults());
      int rows = Math.min(300, d.data().rows());
      ArrayDataset first = d.data().select(java.util.stream.IntStream.range(0, rows).toArray());
      float[] x = raw(d, first);
      float[] expected = myelin(w, x, first.cols());
      float[] actual =
          ort(
              dir.resolve(w.getFileName().toString().replace(".safetensors", ".onnx")),
              x,
              first.cols());
      assertClose(String.join(" ", args), expected, actual);
    }
  }

  @Test
  void badInputIsOneClearLine(@TempDir Path dir) throws Exception {
    Cli missing =
        Cli.run(
            "export",
            "--onnx",
            dir.resolve("m.onnx").toString(),
            "--weights",
            dir.resolve("none.safetensors").toString());
    assertEquals(2, missing.code());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    assertTrue(missing.err().startsWith("myelin export: "), missing.err());

    Path w = trainAndExport(dir, "m", "moons", "--samples", "100", "--epochs", "1");
    Cli noFolder =
        Cli.run(
            "export",
            "--onnx",
            dir.resolve("no/such/dir/m.onnx").toString(),
            "--weights",
            w.toString());
    assertEquals(2, noFolder.code());
    assertEquals(1, noFolder.err().strip().lines().count(), noFolder.err());
    assertTrue(noFolder.err().contains("--onnx"), noFolder.err());

    Cli noOnnx = Cli.run("export", "--weights", w.toString());
    assertEquals(2, noOnnx.code());
    assertEquals(1, noOnnx.err().strip().lines().count(), noOnnx.err());
    assertFalse(Files.exists(dir.resolve("no")));
  }
}
