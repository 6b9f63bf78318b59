package io.myelin.cli;

import io.myelin.examples.ModelSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The options of a {@code myelin train} run that decide its result, as strings keyed by option
 * name. {@code --checkpoint} stores them in the checkpoint; {@code --resume} refuses a checkpoint
 * whose options differ from its own, naming the first one, because the continued run would then not
 * be the run that was interrupted. {@code --epochs} is not among them: it is the total and may be
 * raised to train longer.
 */
final class RunDescription {
  /** The key every description has; a checkpoint without it was not written by the CLI. */
  static final String DATASET = "dataset";

  private RunDescription() {}

  static Map<String, String> of(
      String dataset,
      DataArgs data,
      ModelSpec spec,
      String init,
      OptimizerArgs optim,
      RunArgs run,
      Integer earlyStopping) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(DATASET, dataset);
    m.put("--data", Objects.toString(data.dataDir, ""));
    m.put("--samples", Integer.toString(data.samples));
    m.put("--noise", Objects.toString(data.noise, "default"));
    m.put("--target", Objects.toString(data.target, "last"));
    m.put("--task", data.task);
    m.put("--standardize", Boolean.toString(data.standardize));
    m.put("--test-split", Double.toString(data.testSplit));
    m.put("--val-split", Objects.toString(data.valSplit, "default"));
    m.put("--seed", Long.toString(data.seed));
    m.put("--model", spec.describe());
    m.put("--init", init);
    m.put("--optimizer", optim.name());
    m.put("--lr", Double.toString(optim.learningRate()));
    m.put("--momentum", Double.toString(optim.momentum));
    m.put("--nesterov", Boolean.toString(optim.nesterov));
    m.put("--weight-decay", Objects.toString(optim.weightDecay, "default"));
    m.put("--beta1", Double.toString(optim.beta1));
    m.put("--beta2", Double.toString(optim.beta2));
    m.put("--eps", Objects.toString(optim.eps, "default"));
    m.put("--l1", Double.toString(optim.l1));
    m.put("--l2", Double.toString(optim.l2));
    m.put("--clip-norm", Double.toString(optim.clipNorm));
    m.put("--clip-value", Double.toString(optim.clipValue));
    m.put("--lr-schedule", optim.lrSchedule);
    m.put("--batch-size", Integer.toString(run.batchSize));
    m.put("--no-shuffle", Boolean.toString(run.noShuffle));
    if (run.augmentShift() > 0) { // absent when off, so checkpoints written before it still match
      m.put("--augment", "shift:" + run.augmentShift());
    }
    m.put("--early-stopping", earlyStopping == null ? "off" : earlyStopping.toString());
    return m;
  }

  /**
   * Refuses a checkpoint written with other options.
   *
   * @param saved the checkpoint's extra strings
   * @throws Errors.BadInputException naming the first option that differs
   */
  static void check(Path checkpoint, Map<String, String> saved, Map<String, String> current) {
    if (!saved.containsKey(DATASET)) {
      throw new Errors.BadInputException(
          "--resume "
              + checkpoint
              + ": this checkpoint was not"
              + " written by 'myelin train --checkpoint' (it has no run description)");
    }
    for (var e : current.entrySet()) {
      String was = saved.get(e.getKey());
      if (!e.getValue().equals(was)) {
        String option = e.getKey().equals(DATASET) ? "the dataset" : e.getKey();
        throw new Errors.BadInputException(
            "--resume "
                + checkpoint
                + " was written with "
                + option
                + " "
                + (was == null ? "(absent)" : was)
                + ", this run has "
                + e.getValue()
                + "; resume with the options of the interrupted run");
      }
    }
  }
}
