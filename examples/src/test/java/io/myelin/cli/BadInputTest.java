package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Tensor;
import io.myelin.io.Safetensors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input: exit code 2, one line on stderr that says what is wrong, no stack trace. */
class BadInputTest {
  @TempDir Path dir;

  private static Cli bad(String expected, String... args) {
    Cli r = Cli.run(args);
    assertEquals(2, r.code(), "exit code; stderr: " + r.err() + " stdout: " + r.out());
    assertEquals(1, r.err().strip().lines().count(), "one line on stderr: " + r.err());
    assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
    assertTrue(r.err().contains(expected), "'" + expected + "' not in: " + r.err());
    return r;
  }

  @Test
  void unknownDatasetOptionOrCommand() {
    bad("unknown dataset 'minst'", "train", "minst");
    bad("Unknown option: '--bogus'", "train", "diabetes", "--bogus");
    bad("myelin", "frobnicate");
    bad("--epochs", "train", "diabetes", "--epochs", "many");
    bad(
        "--graphs must be auto, on or off, got 'sometimes'",
        "train",
        "diabetes",
        "--graphs",
        "sometimes");
  }

  @Test
  void missingOrUnreadableFiles() {
    bad("no such file", "train", "csv:" + dir.resolve("nope.csv"));
    bad(
        "apt-get install dataset-fashion-mnist",
        "train",
        "fashion-mnist",
        "--data",
        dir.resolve("nothing").toString());
    bad(
        "no model file",
        "evaluate",
        "diabetes",
        "--weights",
        dir.resolve("w.safetensors").toString());
    bad(
        "--standardize does not apply to evaluate",
        "evaluate",
        "diabetes",
        "--standardize",
        "--weights",
        dir.resolve("w.safetensors").toString());
  }

  @Test
  void malformedCsvNamesFileLineAndColumn() throws IOException {
    Path f = dir.resolve("broken.csv");
    Files.writeString(f, "a,b,y\n1,2,0\n3,4,1\n5,x7,0\n6,7,1\n8,9,0\n");
    Cli r = bad("broken.csv", "train", "csv:" + f);
    assertTrue(r.err().contains("4") && r.err().toLowerCase().contains("column"), r.err());
    Path ragged = dir.resolve("ragged.csv");
    Files.writeString(ragged, "a,b,y\n1,2,0\n3,4\n");
    bad("ragged.csv", "train", "csv:" + ragged);
  }

  @Test
  void missingCsvValuesNameTheFlagThatAcceptsThem() throws IOException {
    Path f = dir.resolve("gaps.csv");
    StringBuilder csv = new StringBuilder("a,b,y\n");
    for (int i = 0; i < 40; i++) {
      csv.append(i % 7 == 3 ? "" : Integer.toString(i))
          .append(',')
          .append(i % 5)
          .append(',')
          .append(i % 2)
          .append('\n');
    }
    Files.writeString(f, csv.toString());
    Cli r = bad("choose --missing drop, mean or zero", "train", "csv:" + f, "--epochs", "1");
    assertTrue(r.err().contains("gaps.csv") && !r.err().contains("MissingValuePolicy"), r.err());
    bad(
        "--missing must be drop, mean, zero or error, got 'guess'",
        "train",
        "csv:" + f,
        "--missing",
        "guess");
    for (String policy : new String[] {"drop", "mean", "zero"}) {
      Cli ok = Cli.run("train", "csv:" + f, "--missing", policy, "--epochs", "1");
      assertEquals(0, ok.code(), policy + ": " + ok.err());
    }
  }

  @Test
  void wrongIdxMagicOrTruncated() throws IOException {
    Path d1 = Files.createDirectories(dir.resolve("magic"));
    idx(d1.resolve("train-images-idx3-ubyte.gz"), 0x00000801, new int[] {2, 28, 28}, 2 * 784);
    idx(d1.resolve("train-labels-idx1-ubyte.gz"), 0x00000801, new int[] {2}, 2);
    bad("magic", "train", "mnist", "--data", d1.toString());
    Path d2 = Files.createDirectories(dir.resolve("short"));
    idx(d2.resolve("train-images-idx3-ubyte.gz"), 0x00000803, new int[] {2, 28, 28}, 784);
    idx(d2.resolve("train-labels-idx1-ubyte.gz"), 0x00000801, new int[] {2}, 2);
    bad("train-images-idx3-ubyte.gz", "train", "mnist", "--data", d2.toString());
  }

  private static void idx(Path p, int magic, int[] dims, int bytes) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + bytes);
    b.putInt(magic);
    for (int d : dims) {
      b.putInt(d);
    }
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(b.array());
    }
  }

  @Test
  void weightsThatDoNotMatchTheModelAreListed() throws IOException {
    Path w = dir.resolve("w.safetensors");
    var m = new LinkedHashMap<String, Tensor>();
    m.put("0.weight", Tensor.zeros(20, 7));
    m.put("0.bias", Tensor.zeros(20));
    m.put("9.weight", Tensor.zeros(2, 20));
    Safetensors.save(w, m);
    Cli r =
        bad(
            "0.weight",
            "train",
            "diabetes",
            "--model",
            "mlp:8-20-2",
            "--epochs",
            "1",
            "--init-weights",
            w.toString());
    assertTrue(r.err().contains("9.weight") && r.err().contains("2.weight"), r.err());
    Path garbage = dir.resolve("g.safetensors");
    Files.writeString(garbage, "not a safetensors file");
    bad(
        "g.safetensors",
        "train",
        "diabetes",
        "--epochs",
        "1",
        "--init-weights",
        garbage.toString());
  }

  @Test
  void invalidNumbers() {
    bad("--lr", "train", "diabetes", "--lr", "NaN");
    bad("--lr", "train", "diabetes", "--lr", "Infinity");
    bad("--lr", "train", "diabetes", "--lr", "-1");
    bad("--test-split", "train", "diabetes", "--test-split", "1.5");
    bad("--dropout", "train", "diabetes", "--dropout", "1");
    // Issue 9: every invalid hyperparameter is refused before training, naming the option.
    bad("--dropout must be in [0, 1), got -0.1", "train", "diabetes", "--dropout", "-0.1");
    bad("--dropout must be in [0, 1), got NaN", "train", "diabetes", "--dropout", "NaN");
    bad("--momentum must be in [0, 1), got 1.0", "train", "diabetes", "--momentum", "1");
    bad("--momentum must be in [0, 1), got -0.5", "train", "diabetes", "--momentum", "-0.5");
    bad("--lr must be a finite number > 0, got 0.0", "train", "diabetes", "--lr", "0");
    bad(
        "--batch-size must be >= 0 (0 = full batch), got -1",
        "train",
        "diabetes",
        "--batch-size",
        "-1");
    bad("output size 1 but the data has 2", "train", "diabetes", "--model", "mlp:8-10-1");
    bad("output size 3 but the data has 10", "train", "digits", "--model", "mlp:64-10-3");
    bad("--epochs", "train", "diabetes", "--epochs", "0");
    bad("bad --model", "train", "diabetes", "--model", "mlp:8-x-2");
    bad("8 features", "train", "diabetes", "--model", "mlp:5-10-2");
    bad("unknown activation", "train", "diabetes", "--activation", "wiggle", "--epochs", "1");
    bad("unknown optimizer", "train", "diabetes", "--optimizer", "adamm");
    bad("--lr-schedule", "train", "diabetes", "--lr-schedule", "step");
    bad("--early-stopping", "train", "diabetes", "--early-stopping", "3", "--val-split", "0");
  }

  @Test
  void nothingIsWrittenWhenAnOutputCannotBe() throws IOException {
    Path summary = dir.resolve("s.json");
    bad(
        "does not exist",
        "train",
        "diabetes",
        "--epochs",
        "1",
        "--summary",
        summary.toString(),
        "--save",
        dir.resolve("no/such/dir/w.safetensors").toString());
    assertFalse(Files.exists(summary));
    bad(
        "both write",
        "train",
        "diabetes",
        "--epochs",
        "1",
        "--summary",
        dir.resolve("m.json").toString(),
        "--save",
        dir.resolve("m.safetensors").toString());
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count());
    }
  }

  @Test
  void verbosePrintsTheStackTrace() {
    Cli r = Cli.run("train", "minst", "--verbose");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("\tat "), r.err());
  }
}
