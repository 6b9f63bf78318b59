package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.io.CheckpointIO;
import io.myelin.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's kill test (tagged soak: {@code mvn -Psoak ...}, see the README): a real {@code myelin
 * train} process writing a 3 MB checkpoint every epoch is killed with {@code destroyForcibly}
 * (SIGKILL) at random moments, again and again, each time resumed from its checkpoint. After every
 * kill the checkpoint must load, and its epoch never goes back; the run finally completes, and its
 * weights must equal, bit for bit, those of a run that was never interrupted. Kills that land
 * inside a write are counted by the temporary files they leave.
 *
 * <p>{@code -Dmyelin.kill.rounds=N} (default 12) and {@code -Dmyelin.kill.seed=S} choose the number
 * and moments of the kills.
 */
@Tag("soak")
class KillResumeSoakTest {
  static final int ROUNDS = Integer.getInteger("myelin.kill.rounds", 12);
  static final long SEED = Long.getLong("myelin.kill.seed", 9);
  static final int EPOCHS = 100;

  @TempDir Path dir;

  /** A model big enough that writing its checkpoint (weights and Adam's moments) takes a while. */
  private static List<String> train(Path checkpoint, Path save, boolean resume) {
    List<String> a =
        new ArrayList<>(
            List.of(
                "train",
                "diabetes",
                "--model",
                "mlp:8-512-512-2",
                "--dropout",
                "0.1",
                "--optimizer",
                "adam",
                "--lr",
                "0.001",
                "--batch-size",
                "64",
                "--epochs",
                Integer.toString(EPOCHS),
                "--no-progress",
                "--seed",
                "5",
                "--standardize",
                "--checkpoint",
                checkpoint.toString()));
    if (resume) {
      a.addAll(List.of("--resume", checkpoint.toString()));
    }
    if (save != null) {
      a.addAll(List.of("--save", save.toString()));
    }
    return a;
  }

  private Process start(List<String> args, String log) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile());
    pb.environment().put("MYELIN_DEVICE", "cpu");
    pb.environment().put("MYELIN_NUM_THREADS", "2");
    return pb.start();
  }

  private int runToEnd(List<String> args, String log) throws Exception {
    Process p = start(args, log);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "run did not finish");
    return p.exitValue();
  }

  private List<Path> temporaries(Path checkpoint) throws IOException {
    String prefix = "." + checkpoint.getFileName() + ".";
    try (Stream<Path> s = Files.list(checkpoint.getParent())) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
  }

  @Test
  void killedAgainAndAgainTheCheckpointAlwaysLoadsAndTheRunEndsAsIfNeverKilled() throws Exception {
    Path reference = dir.resolve("reference.safetensors");
    Path refCk = dir.resolve("reference.ckpt");
    assertEquals(
        0, runToEnd(train(refCk, reference, false), "reference.log"), () -> log("reference.log"));

    Path ck = dir.resolve("run.ckpt");
    SplittableRandom r = new SplittableRandom(SEED);
    long lastEpoch = -1;
    int midWrite = 0;
    int beforeFirst = 0;
    int finishedAnyway = 0;
    List<Long> epochs = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int round = 0; round < ROUNDS; round++) {
      boolean resume = Files.exists(ck);
      String log = "round" + round + ".log";
      Process p = start(train(ck, null, resume), log);
      // Wait for training to start (JVM start and data loading take a second or more), then kill
      // at a random moment of the next epochs, or - every other round - as soon as a checkpoint
      // write is seen in progress (its temporary file exists), plus a few random milliseconds.
      awaitLine(p, log, "train:");
      if (round % 2 == 0) {
        // after this process's first checkpoint (so that the run advances), 0-800 ms on
        long before = Files.exists(ck) ? Files.getLastModifiedTime(ck).toMillis() : -1;
        long until = System.nanoTime() + 60_000_000_000L;
        while (p.isAlive()
            && System.nanoTime() < until
            && (!Files.exists(ck) || Files.getLastModifiedTime(ck).toMillis() == before)) {
          Thread.sleep(2);
        }
        Thread.sleep(r.nextInt(800));
      } else {
        long until = System.nanoTime() + 20_000_000_000L;
        while (p.isAlive() && temporaries(ck).isEmpty() && System.nanoTime() < until) {
          Thread.sleep(1); // not a spin: the machine may have two cores only
        }
        Thread.sleep(r.nextInt(5));
      }
      p.destroyForcibly();
      assertTrue(p.waitFor(1, TimeUnit.MINUTES));
      if (p.exitValue() == 0) {
        finishedAnyway++;
      }
      List<Path> tmp = temporaries(ck);
      if (!tmp.isEmpty()) {
        midWrite++;
        for (Path t : tmp) {
          Files.delete(t); // what a user would do; the checkpoint itself must not need it
        }
      }
      if (!Files.exists(ck)) {
        beforeFirst++;
        continue;
      }
      var loaded = CheckpointIO.load(ck); // must load after every kill
      long epoch = loaded.state().epoch();
      loaded.closeTensors();
      assertTrue(epoch >= lastEpoch, "epoch went back from " + lastEpoch + " to " + epoch);
      lastEpoch = epoch;
      epochs.add(epoch);
    }
    Path resumed = dir.resolve("resumed.safetensors");
    int code =
        lastEpoch >= EPOCHS ? -1 : runToEnd(train(ck, resumed, Files.exists(ck)), "final.log");
    System.out.printf(
        "kill test: %d kills in %.1f s (%d before the first checkpoint, %d inside a"
            + " checkpoint write, %d after the run had ended), checkpoint epochs %s%n",
        ROUNDS, (System.nanoTime() - t0) / 1e9, beforeFirst, midWrite, finishedAnyway, epochs);
    if (code == -1) {
      return; // every epoch was done before the last kill: nothing left to compare
    }
    assertEquals(0, code, () -> log("final.log"));
    var a = Safetensors.load(reference);
    var b = Safetensors.load(resumed);
    assertEquals(a.keySet(), b.keySet());
    for (var e : a.entrySet()) {
      assertArrayEquals(e.getValue().toFloatArray(), b.get(e.getKey()).toFloatArray(), e.getKey());
    }
  }

  private void awaitLine(Process p, String log, String text) throws Exception {
    long until = System.nanoTime() + 120_000_000_000L;
    while (p.isAlive()
        && !Files.readString(dir.resolve(log)).contains(text)
        && System.nanoTime() < until) {
      Thread.sleep(5);
    }
  }

  private String log(String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
