package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OptionParsingTest {
  private static TrainCommand parse(String... args) {
    TrainCommand t = new TrainCommand();
    new CommandLine(t).parseArgs(args);
    return t;
  }

  @Test
  void defaults() {
    TrainCommand t = parse("diabetes");
    assertEquals("diabetes", t.dataset);
    assertEquals("mlp:auto-128-auto", t.model.model);
    assertEquals("relu", t.model.activation);
    assertEquals("sgd", t.optim.name());
    assertEquals(0.1, t.optim.learningRate());
    assertEquals(10, t.run.epochs);
    assertEquals(32, t.run.batchSize);
    assertEquals(0.2, t.data.testSplit);
    assertNull(t.data.valSplit);
    assertEquals(0, t.data.seed);
    assertNull(t.earlyStopping);
  }

  @Test
  void theCourseNotebookCommand() {
    TrainCommand t =
        parse(
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
            "0");
    assertEquals(List.of(8, 20, 20, 2), t.model.spec().sizes());
    assertEquals("adam", t.optim.name());
    assertEquals(0.01, t.optim.learningRate());
    assertEquals(700, t.run.epochs);
    assertEquals(0, t.run.batchSize);
  }

  @Test
  void everyOptionParses() {
    TrainCommand t =
        parse(
            "csv:x.csv",
            "--target",
            "y",
            "--task",
            "regress",
            "--standardize",
            "--test-split",
            "0.3",
            "--val-split",
            "0.1",
            "--seed",
            "7",
            "--samples",
            "200",
            "--noise",
            "0.2",
            "--data",
            "/tmp",
            "--batch-norm",
            "--dropout",
            "0.5",
            "--init",
            "he-normal",
            "--momentum",
            "0.9",
            "--nesterov",
            "--weight-decay",
            "1e-4",
            "--beta1",
            "0.8",
            "--beta2",
            "0.99",
            "--eps",
            "1e-7",
            "--l1",
            "1e-5",
            "--l2",
            "1e-4",
            "--clip-norm",
            "1",
            "--clip-value",
            "0.5",
            "--lr-schedule",
            "step:5:0.5",
            "--no-shuffle",
            "--early-stopping",
            "3",
            "--device",
            "cpu",
            "--log-every",
            "5",
            "--plot",
            "p.png",
            "--history",
            "h.csv",
            "--summary",
            "s.json",
            "--checkpoint",
            "c.ckpt",
            "--save",
            "w.safetensors",
            "--init-weights",
            "i.safetensors");
    assertEquals("y", t.data.target);
    assertTrue(t.data.standardize && t.model.batchNorm && t.optim.nesterov && t.run.noShuffle);
    assertEquals(0.5, t.model.dropout);
    assertEquals(3, t.earlyStopping);
    assertEquals(io.myelin.data.Task.REGRESS, t.data.options().task());
    t.optim.validate();
  }

  @Test
  void helpListsEveryOptionWithItsDefault() {
    Cli r = Cli.run("train", "--help");
    assertEquals(0, r.code());
    for (String o :
        List.of(
            "--model",
            "--activation",
            "--batch-norm",
            "--dropout",
            "--init",
            "--optimizer",
            "--lr",
            "--momentum",
            "--nesterov",
            "--weight-decay",
            "--beta1",
            "--beta2",
            "--eps",
            "--l1",
            "--l2",
            "--clip-norm",
            "--clip-value",
            "--lr-schedule",
            "--epochs",
            "--batch-size",
            "--no-shuffle",
            "--early-stopping",
            "--device",
            "--seed",
            "--threads",
            "--test-split",
            "--val-split",
            "--samples",
            "--noise",
            "--target",
            "--task",
            "--standardize",
            "--plot",
            "--history",
            "--summary",
            "--checkpoint",
            "--save",
            "--init-weights",
            "--log-every",
            "--data")) {
      assertTrue(r.out().contains(o), "help lacks " + o);
    }
    String flat = r.out().replaceAll("\\s+", " ");
    assertTrue(flat.contains("auto-128-auto)"), flat);
    assertTrue(flat.contains("(default: sgd)"));
    assertTrue(flat.contains("(default: 0.2;"), flat);
    long options = r.out().lines().filter(l -> l.strip().startsWith("-")).count();
    long defaults = flat.split("default").length - 1;
    assertTrue(defaults >= options - 2, defaults + " defaults for " + options + " options");
    for (String cmd : List.of("devices", "summary", "evaluate", "predict", "gradcheck", "bench")) {
      assertEquals(0, Cli.run(cmd, "--help").code(), cmd);
    }
    // Each example is one command on one line, and no default is broken inside a token.
    assertTrue(
        r.out()
            .lines()
            .anyMatch(
                l ->
                    l.strip()
                        .equals(
                            "myelin train diabetes --model"
                                + " mlp:8-20-20-2 --optimizer adam --lr 0.01 --epochs 700 --batch-size 0")),
        r.out());
    assertTrue(r.out().contains("(default: mlp:auto-128-auto)"), r.out());
    assertTrue(r.out().lines().noneMatch(l -> l.length() > 100), "lines fit 100 columns");
  }

  @Test
  void optimizerNamesAndSchedules() {
    for (String name : OptimizerArgs.NAMES) {
      TrainCommand t = parse("diabetes", "--optimizer", name);
      t.optim.validate();
      assertTrue(t.optim.learningRate() > 0);
    }
    assertNull(parse("x", "--lr-schedule", "none").optim.schedule(10));
    for (String s :
        List.of(
            "step:5",
            "step:5:0.5",
            "multistep:3,6:0.1",
            "exp:0.9",
            "inverse:0.1",
            "cosine",
            "cosine:0.001")) {
      assertTrue(parse("x", "--lr-schedule", s).optim.schedule(10) != null, s);
    }
    assertThrows(
        Errors.BadInputException.class,
        () -> parse("x", "--lr-schedule", "step").optim.schedule(10));
    assertThrows(
        Errors.BadInputException.class,
        () -> parse("x", "--lr-schedule", "wobble:3").optim.schedule(10));
  }
}
