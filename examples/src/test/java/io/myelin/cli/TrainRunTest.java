package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelFile;
import io.myelin.examples.ModelSpec;
import io.myelin.io.Safetensors;
import io.myelin.io.internal.Json;
import io.myelin.nn.Layer;
import io.myelin.nn.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real runs of {@code myelin train}, small enough for the unit tests. */
class TrainRunTest {

  @Test
  void theCourseNotebookReachesThreeQuarters(@TempDir Path dir) throws Exception {
    Path summary = dir.resolve("s.json");
    Path history = dir.resolve("h.csv");
    Path plot = dir.resolve("p.png");
    Cli r =
        Cli.run(
            "train",
            "diabetes",
            "--model",
            "mlp:8-20-20-2",
            "--activation",
            "relu",
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--epochs",
            "700",
            "--batch-size",
            "0",
            "--summary",
            summary.toString(),
            "--history",
            history.toString(),
            "--plot",
            plot.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("epoch 10/700") && r.out().contains("epoch 700/700"), r.out());
    assertTrue(r.out().contains("confusion matrix"), r.out());
    Map<String, Object> s = Json.parseObject(Files.readString(summary), "s.json");
    assertEquals(
        List.of(
            "task",
            "device",
            "model",
            "parameters",
            "epochs",
            "seconds",
            "samples_per_second",
            "graphs",
            "train_loss",
            "train_accuracy",
            "test_loss",
            "test_accuracy"),
        List.copyOf(s.keySet()));
    assertEquals("classify", s.get("task"));
    assertEquals(642.0, ((Number) s.get("parameters")).doubleValue());
    double acc = ((Number) s.get("test_accuracy")).doubleValue();
    assertTrue(acc >= 0.75, "test accuracy " + acc);
    List<String> lines = Files.readAllLines(history);
    assertEquals("epoch,seconds,lr,train_loss,train_accuracy,val_loss,val_accuracy", lines.get(0));
    assertEquals(701, lines.size());
    assertTrue(lines.get(1).endsWith(",,"), lines.get(1));
    byte[] png = Files.readAllBytes(plot);
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    try (var files = Files.list(dir)) {
      assertEquals(3, files.count(), "temporary files left behind");
    }
  }

  /**
   * Issue 14: dropout in training and clipping run inside the captured step; the summary says how
   * the steps ran, and its losses and accuracies equal those of the eager run.
   */
  @Test
  void digitsWithDropoutAndClippingRunCapturedWithTheEagerResults(@TempDir Path dir)
      throws Exception {
    Map<String, Map<String, Object>> byMode = new java.util.HashMap<>();
    for (String mode : List.of("on", "off")) {
      Path summary = dir.resolve(mode + ".json");
      Cli r =
          Cli.run(
              "train",
              "digits",
              "--dropout",
              "0.2",
              "--clip-norm",
              "1",
              "--epochs",
              "3",
              "--graphs",
              mode,
              "--summary",
              summary.toString());
      assertEquals(0, r.code(), r.err());
      byMode.put(mode, Json.parseObject(Files.readString(summary), mode + ".json"));
    }
    Map<String, Object> on = byMode.get("on");
    Map<String, Object> off = byMode.get("off");
    assertEquals("captured", on.get("graphs"));
    assertEquals("eager: graphs off (--graphs off)", off.get("graphs"));
    int compared = 0;
    for (String k : off.keySet()) {
      if (k.contains("loss") || k.contains("accuracy")) {
        assertEquals(off.get(k), on.get(k), k);
        compared++;
      }
    }
    assertTrue(compared >= 4, "losses and accuracies compared: " + off.keySet());
  }

  /**
   * Issue 18: for a model large enough that the CPU backend compiles its kernels while the data
   * loads, {@code train} also runs throwaway steps of a copy of the model meanwhile (StepWarmup);
   * it says so, and the results are those of the run without it, to the last digit.
   */
  @Test
  void aStepWarmupWhileTheDataLoadsChangesNoResult(@TempDir Path dir) throws Exception {
    Map<String, Map<String, Object>> byMode = new java.util.HashMap<>();
    Map<String, String> outs = new java.util.HashMap<>();
    for (String mode : List.of("on", "off")) {
      Path summary = dir.resolve(mode + ".json");
      System.setProperty("myelin.stepWarmup", mode);
      Cli r;
      try {
        r =
            Cli.run(
                "train",
                "digits",
                "--model",
                "mlp:64-512-10",
                "--optimizer",
                "adam",
                "--lr",
                "0.001",
                "--batch-size",
                "32",
                "--epochs",
                "2",
                "--summary",
                summary.toString());
      } finally {
        System.clearProperty("myelin.stepWarmup");
      }
      assertEquals(0, r.code(), r.err());
      outs.put(mode, r.out());
      byMode.put(mode, Json.parseObject(Files.readString(summary), mode + ".json"));
    }
    assertTrue(
        outs.get("on").contains("warm-up:  ") && outs.get("on").contains(" steps of a throwaway"),
        outs.get("on"));
    assertFalse(outs.get("off").contains("warm-up:"), outs.get("off"));
    int compared = 0;
    for (String k : byMode.get("off").keySet()) {
      if (k.contains("loss") || k.contains("accuracy")) {
        assertEquals(byMode.get("off").get(k), byMode.get("on").get(k), k);
        compared++;
      }
    }
    assertTrue(compared >= 4, "losses and accuracies compared: " + byMode.get("off").keySet());
  }

  /**
   * {@code myelin train diabetes} alone is the course notebook's run (the README's first command):
   * the same summary, to the last digit, as the command with every option spelled out; an option
   * given still wins.
   */
  @Test
  void diabetesAloneRunsTheCourseNotebookSetup(@TempDir Path dir) throws Exception {
    Path plain = dir.resolve("plain.json");
    Path spelled = dir.resolve("spelled.json");
    Cli a = Cli.run("train", "diabetes", "--summary", plain.toString());
    assertEquals(0, a.code(), a.err());
    assertTrue(
        a.out().contains("model:    mlp:8-20-20-2 relu")
            && a.out().contains("train:    adam lr 0.01, 700 epochs, batch full"),
        a.out());
    Cli b =
        Cli.run(
            "train",
            "diabetes",
            "--model",
            "mlp:8-20-20-2",
            "--activation",
            "relu",
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--epochs",
            "700",
            "--batch-size",
            "0",
            "--summary",
            spelled.toString());
    assertEquals(0, b.code(), b.err());
    Map<String, Object> sa = Json.parseObject(Files.readString(plain), "plain.json");
    Map<String, Object> sb = Json.parseObject(Files.readString(spelled), "spelled.json");
    for (String k :
        List.of("model", "parameters", "epochs", "train_loss", "test_loss", "test_accuracy")) {
      assertEquals(sb.get(k), sa.get(k), k);
    }
    // Captured graphs (the CPU records its calls) change how steps are issued, not the result.
    Path graphs = dir.resolve("graphs.json");
    Cli g =
        Cli.run("train", "diabetes", "--graphs", "on", "--tf32", "--summary", graphs.toString());
    assertEquals(0, g.code(), g.err());
    Map<String, Object> sg = Json.parseObject(Files.readString(graphs), "graphs.json");
    for (String k : List.of("train_loss", "test_loss", "test_accuracy")) {
      assertEquals(sa.get(k), sg.get(k), "--graphs on: " + k);
    }
    Cli c =
        Cli.run("train", "diabetes", "--optimizer", "sgd", "--epochs", "3", "--batch-size", "64");
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("train:    sgd lr 0.1, 3 epochs, batch 64"), c.out());
  }

  @Test
  void regressionSummaryKeys(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("r.csv");
    StringBuilder sb = new StringBuilder("a,b,y\n");
    var rng = new java.util.Random(1);
    for (int i = 0; i < 200; i++) {
      double a = rng.nextGaussian();
      double b = rng.nextGaussian();
      sb.append(a).append(',').append(b).append(',').append(2 * a - b + 0.3).append('\n');
    }
    Files.writeString(csv, sb);
    Path summary = dir.resolve("s.json");
    Cli r =
        Cli.run(
            "train",
            "csv:" + csv,
            "--epochs",
            "30",
            "--lr",
            "0.05",
            "--val-split",
            "0.1",
            "--summary",
            summary.toString());
    assertEquals(0, r.code(), r.err());
    Map<String, Object> s = Json.parseObject(Files.readString(summary), "s.json");
    assertEquals("regress", s.get("task"));
    for (String k : List.of("test_mse", "test_mae", "test_r2", "val_loss")) {
      assertTrue(s.containsKey(k), k);
    }
    assertTrue(((Number) s.get("test_r2")).doubleValue() > 0.9, s.toString());
  }

  @Test
  void saveEvaluatePredictAndInitWeights(@TempDir Path dir) throws Exception {
    Path w = dir.resolve("moons.safetensors");
    Cli r =
        Cli.run(
            "train",
            "moons",
            "--samples",
            "400",
            "--model",
            "mlp:auto-16-16-auto",
            "--epochs",
            "40",
            "--batch-size",
            "16",
            "--standardize",
            "--save",
            w.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.exists(dir.resolve("moons.json")));
    // The library rebuilds the CLI's model from the weights file alone.
    Layer library = ModelFiles.load(w);
    assertEquals(
        Mlp.build(ModelFile.readBeside(w).spec(), new Generator(0)).toString(), library.toString());
    assertEquals(Safetensors.load(w).keySet(), library.stateDict().keySet());
    Cli e = Cli.run("evaluate", "moons", "--samples", "400", "--weights", w.toString());
    assertEquals(0, e.code(), e.err());
    assertTrue(e.out().contains("accuracy"), e.out());
    assertTrue(e.out().contains("(80 rows, the model's own test split: seed 0, 0.2)"), e.out());
    Cli other =
        Cli.run("evaluate", "moons", "--samples", "400", "--weights", w.toString(), "--seed", "5");
    assertEquals(0, other.code(), other.err());
    assertTrue(other.out().contains("note: not the model's own (seed 0, 0.2)"), other.out());
    Path in = dir.resolve("in.csv");
    Files.writeString(in, "x0,x1\n0.0,0.9\n1.0,-0.4\n");
    Path out = dir.resolve("out.csv");
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
    assertEquals("prediction,probability_0,probability_1", lines.get(0));
    assertEquals(3, lines.size());
    Cli again =
        Cli.run(
            "train",
            "moons",
            "--samples",
            "400",
            "--model",
            "mlp:2-16-16-2",
            "--epochs",
            "1",
            "--init-weights",
            w.toString());
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("weights:  initial values from " + w), again.out());
  }

  @Test
  void predictReportsACategoryNeverSeenInTraining(@TempDir Path dir) throws Exception {
    Path train = dir.resolve("pets.csv");
    StringBuilder csv = new StringBuilder("weight,color,y\n");
    for (int i = 0; i < 60; i++) {
      csv.append(i % 9)
          .append(',')
          .append(i % 2 == 0 ? "red" : "green")
          .append(',')
          .append(i % 2)
          .append('\n');
    }
    Files.writeString(train, csv.toString());
    Path w = dir.resolve("pets.safetensors");
    Cli t = Cli.run("train", "csv:" + train, "--epochs", "2", "--save", w.toString());
    assertEquals(0, t.code(), t.err());
    Path in = dir.resolve("new.csv");
    Files.writeString(in, "weight,color\n3,red\n4,blue\n5,blue\n");
    Cli warn = Cli.run("predict", "--weights", w.toString(), "--input", in.toString());
    assertEquals(0, warn.code(), warn.err());
    assertEquals(
        1, warn.err().strip().lines().count(), "one warning per column and value: " + warn.err());
    assertTrue(
        warn.err().contains("new.csv:3: column 2 ('color'): category 'blue' was never seen"),
        warn.err());
    Cli refuse =
        Cli.run(
            "predict", "--weights", w.toString(), "--input", in.toString(), "--unseen", "error");
    assertEquals(2, refuse.code(), refuse.err());
    assertTrue(
        refuse.err().contains("category 'blue' was never seen in training (known: green, red)"),
        refuse.err());
  }

  @Test
  void weightsUsePyTorchSequentialNames(@TempDir Path dir) throws Exception {
    var plain =
        Mlp.build(
            new ModelSpec(List.of(3, 5, 4, 2), "relu", false, 0, "default"), new Generator(0));
    assertEquals(
        List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
        List.copyOf(plain.stateDict().keySet()));
    assertEquals(List.of(5, 3), toList(plain.stateDict().get("0.weight").shape()));
    var bn =
        Mlp.build(
            new ModelSpec(List.of(3, 5, 2), "tanh", true, 0.5, "xavier-uniform"), new Generator(0));
    assertEquals(
        List.of(
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked",
            "4.weight",
            "4.bias"),
        List.copyOf(bn.stateDict().keySet()));
    Path f = dir.resolve("bn.safetensors");
    Safetensors.save(f, bn.stateDict());
    assertEquals(bn.stateDict().keySet(), Safetensors.load(f).keySet());
  }

  private static List<Integer> toList(int[] a) {
    return java.util.Arrays.stream(a).boxed().toList();
  }

  /** Newton-CG (Hessian-free, forward over reverse) trains the digits MLP from the command line. */
  @Test
  void newtonCgTrainsTheDigitsMlp(@TempDir Path dir) throws Exception {
    Path summary = dir.resolve("s.json");
    Cli r =
        Cli.run(
            "train",
            "digits",
            "--model",
            "mlp:auto-32-auto",
            "--activation",
            "tanh",
            "--optimizer",
            "newton-cg",
            "--epochs",
            "2",
            "--summary",
            summary.toString());
    assertEquals(0, r.code(), r.err());
    Map<String, Object> s = Json.parseObject(Files.readString(summary), "s.json");
    double acc = ((Number) s.get("test_accuracy")).doubleValue();
    assertTrue(acc >= 0.9, "test accuracy " + acc);
  }
}
