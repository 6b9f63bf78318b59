package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.examples.CnnSpec;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Convolutional models on the command line: presets, the cnn: grammar, its errors. */
class CnnCliTest {
  @Test
  void convnetTrainsOnMnistSavesAndEvaluates(@TempDir Path dir) {
    Path w = dir.resolve("convnet.safetensors");
    Cli r =
        Cli.run("train", "mnist", "--model", "convnet", "--epochs", "1", "--save", w.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(
        r.out().contains("cnn:c32k3-relu-p2-c64k3-relu-p2-flatten-d0.5-auto")
            || r.out().contains("cnn:c32k3"),
        r.out());
    assertTrue(Files.exists(w));
    Cli e = Cli.run("evaluate", "mnist", "--weights", w.toString());
    assertEquals(0, e.code(), e.err() + e.out());
    assertTrue(e.out().contains("accuracy"), e.out());
  }

  @Test
  void presetsHavePyTorchSequentialNamesAndShapes() {
    var convnet = Mlp.build(ModelSpec.cnn("convnet", "default").resolve(784, 10), new Generator(0));
    var names = List.copyOf(convnet.stateDict().keySet());
    assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "8.weight", "8.bias"), names);
    assertEquals(List.of(32, 1, 3, 3), toList(convnet.stateDict().get("0.weight").shape()));
    assertEquals(List.of(64, 32, 3, 3), toList(convnet.stateDict().get("3.weight").shape()));
    assertEquals(List.of(10, 1600), toList(convnet.stateDict().get("8.weight").shape()));
    assertEquals(34_826, convnet.numParameters()); // Keras' model.summary() for mnist_convnet
    var lenet = Mlp.build(ModelSpec.cnn("lenet5", "default").resolve(784, 10), new Generator(0));
    assertEquals(61_706, lenet.numParameters()); // LeNet-5 with padding 2 on 28x28
    var digits =
        Mlp.build(
            ModelSpec.cnn("cnn:c16k3p1-relu-p2-flatten-10", "default").resolve(64, 10),
            new Generator(0));
    assertEquals(List.of(10, 256), toList(digits.stateDict().get("4.weight").shape()));
  }

  @Test
  void badSpecsNameTheToken() {
    bad("token 'c32x3' (#1)", "cnn:c32x3-relu-10");
    bad("token 'f10' (#2)", "cnn:c8k3-f10-10");
    bad("token 'ten' (#3)", "cnn:c8k3-flatten-ten");
    bad("token 'c8k9' (#1)", "cnn:c8k9-flatten-10"); // 9x9 kernel on 8x8 digits
  }

  @Test
  void augmentShiftTrainsImagesAndRefusesBadUse() {
    Cli r =
        Cli.run(
            "train",
            "digits",
            "--model",
            "cnn:c8k3p1-relu-p2-flatten-10",
            "--epochs",
            "1",
            "--augment",
            "shift:1",
            "--no-progress");
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("augment:  RandomShift[maxShift=1, 1x8x8]"), r.out());
    badUse(
        "bad --augment 'shift:0': expected none or shift:N with N >= 1",
        "train",
        "digits",
        "--augment",
        "shift:0");
    badUse(
        "bad --augment 'flip': expected none or shift:N with N >= 1",
        "train",
        "digits",
        "--augment",
        "flip");
    badUse(
        "--augment shift:2 needs an image dataset (mnist, fashion-mnist or digits), got moons",
        "train",
        "moons",
        "--augment",
        "shift:2");
  }

  private static void badUse(String expected, String... args) {
    Cli r = Cli.run(args);
    assertEquals(2, r.code(), "exit code; stderr: " + r.err() + " stdout: " + r.out());
    assertEquals(1, r.err().strip().lines().count(), "one line on stderr: " + r.err());
    assertTrue(r.err().contains(expected), "'" + expected + "' not in: " + r.err());
  }

  private static void bad(String expected, String spec) {
    Cli r = Cli.run("train", "digits", "--model", spec, "--epochs", "1");
    assertEquals(2, r.code(), "exit code; stderr: " + r.err() + " stdout: " + r.out());
    assertEquals(1, r.err().strip().lines().count(), "one line on stderr: " + r.err());
    assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
    assertTrue(r.err().contains(expected), "'" + expected + "' not in: " + r.err());
  }

  @Test
  void theGrammarIsDocumentedInHelp() {
    Cli r = Cli.run("train", "--help");
    assertTrue(
        r.out().contains("cnn:") && r.out().contains("convnet") && r.out().contains("lenet5"),
        r.out());
    assertTrue(
        CnnSpec.matches("convnet") && CnnSpec.matches("cnn:c1k1-1") && !CnnSpec.matches("mlp:1-2"));
  }

  private static List<Integer> toList(int[] a) {
    return java.util.Arrays.stream(a).boxed().toList();
  }
}
