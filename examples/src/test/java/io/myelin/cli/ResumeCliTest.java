package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Tensor;
import io.myelin.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: {@code myelin train ... --resume CHECKPOINT} continues an interrupted run to the same
 * final weights, bit for bit, as the run that was never interrupted; a checkpoint of another run is
 * refused naming the option.
 */
class ResumeCliTest {
  @TempDir Path dir;

  /**
   * Dropout, Adam, a step schedule and a validation set: the generator, the moments and the rates
   * must resume, and the validation pass must not disturb them.
   */
  private static List<String> args(int epochs, String... more) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                "diabetes",
                "--model",
                "mlp:8-12-2",
                "--dropout",
                "0.2",
                "--optimizer",
                "adam",
                "--lr",
                "0.01",
                "--lr-schedule",
                "step:2:0.5",
                "--batch-size",
                "64",
                "--epochs",
                Integer.toString(epochs),
                "--no-progress",
                "--seed",
                "3",
                "--val-split",
                "0.1"));
    a.addAll(List.of(more));
    return a;
  }

  /** {@code args} with the value of {@code option} replaced. */
  private static String[] with(List<String> args, String option, String value) {
    List<String> a = new ArrayList<>(args);
    a.set(a.indexOf(option) + 1, value);
    return a.toArray(String[]::new);
  }

  private static Cli ok(String[] args) {
    return ok(List.of(args));
  }

  private static Cli ok(List<String> args) {
    Cli r = Cli.run(args.toArray(String[]::new));
    assertEquals(0, r.code(), "stderr: " + r.err());
    return r;
  }

  @Test
  void aResumedRunEndsWithTheWeightsOfTheUninterruptedRun() throws Exception {
    Path full = dir.resolve("full.safetensors");
    Path fullHistory = dir.resolve("full.csv");
    ok(args(7, "--save", full.toString(), "--history", fullHistory.toString()));

    Path ck = dir.resolve("run.ckpt");
    ok(args(3, "--checkpoint", ck.toString())); // "killed" after epoch 3
    Path resumed = dir.resolve("resumed.safetensors");
    Path resumedHistory = dir.resolve("resumed.csv");
    Cli r =
        ok(
            args(
                7,
                "--resume",
                ck.toString(),
                "--checkpoint",
                ck.toString(),
                "--save",
                resumed.toString(),
                "--history",
                resumedHistory.toString()));
    assertTrue(r.out().contains("resume:   " + ck + " at epoch 3"), r.out());
    assertTrue(!r.out().contains("epoch 3/7") && r.out().contains("epoch 4/7"), r.out());
    assertTrue(
        r.out().contains("\n4 epochs in "), "the speed counts this process's epochs: " + r.out());

    var a = Safetensors.load(full);
    var b = Safetensors.load(resumed);
    assertEquals(a.keySet(), b.keySet());
    for (var e : a.entrySet()) {
      Tensor other = b.get(e.getKey());
      assertArrayEquals(e.getValue().toFloatArray(), other.toFloatArray(), e.getKey()); // exact
    }
    // Same losses per epoch, the first three read back from the checkpoint (seconds differ).
    List<String> x = Files.readAllLines(fullHistory);
    List<String> y = Files.readAllLines(resumedHistory);
    assertEquals(x.size(), y.size());
    for (int i = 1; i < x.size(); i++) {
      String[] p = x.get(i).split(",", -1);
      String[] q = y.get(i).split(",", -1);
      p[1] = q[1] = "";
      assertArrayEquals(p, q, "history line " + i);
    }
  }

  /**
   * With early stopping: interrupted one epoch after the best epoch, the resumed run stops at the
   * same epoch with the same (restored best) weights; a checkpoint of a run that early stopping
   * ended is refused.
   */
  @Test
  void earlyStoppingResumesToTheSameStop() throws Exception {
    Path full = dir.resolve("full.safetensors");
    Cli f =
        ok(
            with(
                args(
                    60,
                    "--early-stopping",
                    "3",
                    "--save",
                    full.toString(),
                    "--checkpoint",
                    dir.resolve("full.ckpt").toString()),
                "--lr",
                "0.05"));
    var m = java.util.regex.Pattern.compile("at epoch ([0-9]+)\\)").matcher(f.out());
    assertTrue(f.out().contains("early stopping: no improvement") && m.find(), f.out());
    int best = Integer.parseInt(m.group(1));
    int stoppedAt = best + 3;

    Path ck = dir.resolve("run.ckpt");
    ok(
        with(
            args(best + 1, "--early-stopping", "3", "--checkpoint", ck.toString()),
            "--lr",
            "0.05"));
    Path resumed = dir.resolve("resumed.safetensors");
    Cli r =
        ok(
            with(
                args(
                    60,
                    "--early-stopping",
                    "3",
                    "--resume",
                    ck.toString(),
                    "--save",
                    resumed.toString()),
                "--lr",
                "0.05"));
    String stop =
        f.out().lines().filter(l -> l.startsWith("early stopping:")).findFirst().orElseThrow();
    assertTrue(
        r.out().contains("\n" + stop + "\n")
            && r.out().contains("\n" + (stoppedAt - best - 1) + " epochs in "),
        stop + " / " + r.out());
    var a = Safetensors.load(full);
    var b = Safetensors.load(resumed);
    for (var e : a.entrySet()) {
      assertArrayEquals(e.getValue().toFloatArray(), b.get(e.getKey()).toFloatArray(), e.getKey());
    }
    Cli again =
        Cli.run(
            with(
                args(60, "--early-stopping", "3", "--resume", dir.resolve("full.ckpt").toString()),
                "--lr",
                "0.05"));
    assertTrue(
        again.code() == 2
            && again.err().contains("the run ended at epoch " + stoppedAt + " (early stopping"),
        again.err());
    Cli other =
        Cli.run(with(args(60, "--early-stopping", "5", "--resume", ck.toString()), "--lr", "0.05"));
    assertTrue(
        other.code() == 2 && other.err().contains("--early-stopping 3, this run has 5"),
        other.err());
  }

  @Test
  void aCheckpointOfAnotherRunOrWithNothingLeftIsRefused() throws Exception {
    Path ck = dir.resolve("run.ckpt");
    ok(args(2, "--checkpoint", ck.toString()));
    Cli r = Cli.run(with(args(4, "--resume", ck.toString()), "--lr", "0.02"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--lr 0.01, this run has 0.02"), r.err());
    r = Cli.run(with(args(4, "--resume", ck.toString()), "--seed", "4"));
    assertTrue(r.code() == 2 && r.err().contains("--seed 3, this run has 4"), r.err());
    r = Cli.run(args(2, "--resume", ck.toString()).toArray(String[]::new));
    assertTrue(r.code() == 2 && r.err().contains("nothing to train"), r.err());
    r = Cli.run(args(4, "--resume", dir.resolve("nope.ckpt").toString()).toArray(String[]::new));
    assertTrue(r.code() == 2 && r.err().contains("nope.ckpt"), r.err());
    Path weights = dir.resolve("w.safetensors");
    ok(args(1, "--save", weights.toString()));
    r = Cli.run(args(4, "--resume", weights.toString()).toArray(String[]::new));
    assertTrue(r.code() == 2 && r.err().contains("not a Myelin checkpoint"), r.err());
    r = Cli.run("train", "diabetes", "--optimizer", "lbfgs", "--resume", ck.toString());
    assertTrue(r.code() == 2 && r.err().contains("--resume needs a per-batch optimizer"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
