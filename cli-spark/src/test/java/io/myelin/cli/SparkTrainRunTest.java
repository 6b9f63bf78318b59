package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.io.Safetensors;
import io.myelin.io.internal.Json;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code myelin train DATASET --spark local[2]}: the outputs of a local run (summary JSON with the
 * same keys, history CSV, --save weights and model file), and one message per bad input.
 */
class SparkTrainRunTest {

  @Test
  void sparkRunWritesWhatALocalRunWrites(@TempDir Path dir) throws Exception {
    Path summary = dir.resolve("s.json");
    Path history = dir.resolve("h.csv");
    Path save = dir.resolve("w.safetensors");
    Path ckpt = dir.resolve("run.ckpt");
    // digits: 1437 training rows; 2 workers x 360 rows = 2 steps per epoch (each step is one
    // barrier round, about a second in Spark 4.2).
    Cli r =
        Cli.run(
            "train",
            "digits",
            "--spark",
            "local[2]",
            "--epochs",
            "3",
            "--batch-size",
            "360",
            "--optimizer",
            "adam",
            "--lr",
            "0.02",
            "--no-progress",
            "--summary",
            summary.toString(),
            "--history",
            history.toString(),
            "--save",
            save.toString(),
            "--checkpoint",
            ckpt.toString());
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("spark:    local[2], 2 workers x batch 360"), r.out());
    assertTrue(r.out().contains("epoch 3/3"), r.out());
    // --device left out: auto on each executor, which is the CPU on a machine without a GPU
    String auto = io.myelin.backend.DeviceManager.global().resolve("auto").toString();
    if (auto.equals("cpu")) {
      assertTrue(r.out().contains("replicas on cpu, cpu"), r.out());
    }
    assertFalse(r.out().contains("INFO org.apache.spark"), "Spark's INFO log reached the output");
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
            "train_loss",
            "train_accuracy",
            "test_loss",
            "test_accuracy"),
        List.copyOf(s.keySet()));
    assertEquals(3.0, ((Number) s.get("epochs")).doubleValue());
    double acc = ((Number) s.get("test_accuracy")).doubleValue();
    assertTrue(acc > 0.5, "test accuracy " + acc + " after 3 epochs");
    List<String> lines = Files.readAllLines(history);
    assertEquals("epoch,seconds,lr,train_loss,train_accuracy,val_loss,val_accuracy", lines.get(0));
    assertEquals(4, lines.size());
    assertTrue(lines.get(3).split(",")[5 - 1].matches("0\\.[0-9]+"), lines.get(3));
    var w = Safetensors.load(save);
    assertEquals(4, w.size());
    w.values().forEach(io.myelin.Tensor::close);
    assertTrue(Files.exists(dir.resolve("w.json")) && Files.exists(ckpt));
  }

  @Test
  void badSparkInputGetsOneMessageAndWritesNothing(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Path summary = dir.resolve("s.json");
    long t0 = System.nanoTime();
    Cli r =
        Cli.run(
            "train",
            "digits",
            "--spark",
            "spark://127.0.0.1:" + port,
            "--workers",
            "2",
            "--epochs",
            "1",
            "--summary",
            summary.toString());
    assertEquals(Errors.BAD_INPUT, r.code(), r.out());
    assertTrue(r.err().contains("cannot reach Spark master spark://127.0.0.1:" + port), r.err());
    assertTrue((System.nanoTime() - t0) / 1e9 < 30, "the unreachable master took too long");
    Cli noMaster = Cli.run("train", "digits", "--workers", "2");
    assertEquals(Errors.BAD_INPUT, noMaster.code());
    assertTrue(noMaster.err().contains("--workers applies only with --spark"), noMaster.err());
    Cli tooMany =
        Cli.run(
            "train",
            "digits",
            "--spark",
            "local[2]",
            "--workers",
            "3",
            "--epochs",
            "1",
            "--summary",
            summary.toString());
    assertEquals(Errors.BAD_INPUT, tooMany.code(), tooMany.out());
    assertTrue(tooMany.err().contains("3 workers need 3 task slots"), tooMany.err());
    Cli lbfgs = Cli.run("train", "digits", "--spark", "local[2]", "--optimizer", "lbfgs");
    assertEquals(Errors.BAD_INPUT, lbfgs.code());
    assertTrue(lbfgs.err().contains("--spark does not support --optimizer lbfgs"), lbfgs.err());
    boolean gpu = !io.myelin.backend.DeviceManager.global().resolve("auto").type().equals("cpu");
    String unusable = gpu ? "cuda:64" : "cuda";
    Cli noDevice =
        Cli.run(
            "train",
            "digits",
            "--spark",
            "local[2]",
            "--device",
            unusable,
            "--epochs",
            "1",
            "--batch-size",
            "360",
            "--summary",
            summary.toString());
    assertEquals(Errors.BAD_INPUT, noDevice.code(), noDevice.out());
    assertTrue(
        noDevice
            .err()
            .contains("--spark: the replica of partition 0 cannot use device '" + unusable + "'"),
        noDevice.err());
    Cli badDevice = Cli.run("train", "digits", "--spark", "local[2]", "--device", "gpu#1");
    assertEquals(Errors.BAD_INPUT, badDevice.code());
    assertTrue(badDevice.err().contains("gpu#1"), badDevice.err());
    assertFalse(Files.exists(summary), "a summary was written for a failed run");
  }
}
