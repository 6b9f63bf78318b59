package io.myelin.train;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.io.Checkpoint;
import io.myelin.io.CheckpointIO;
import io.myelin.nn.Layer;
import io.myelin.optim.Optimizer;
import io.myelin.optim.OptimizerOptions;
import io.myelin.optim.OptimizerStateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a running per-batch training job into a {@link Checkpoint} and back, so that {@link
 * Trainer#fit(Layer, io.myelin.loss.Loss, Optimizer, io.myelin.data.DataLoader,
 * io.myelin.data.DataLoader, Trainer.Resume)} continues it bit for bit.
 *
 * <h2>What is saved</h2>
 *
 * <ul>
 *   <li>the model's {@link Layer#stateDict()} (parameters and buffers, e.g. batch-norm running
 *       statistics) as {@code model.<name>};
 *   <li>the optimizer's per-parameter state tensors as {@code optim.<index>.<buffer>} (PyTorch's
 *       names: {@code exp_avg}, {@code momentum_buffer}...), and in the hyperparameters its class
 *       name, every group's learning rate ({@code lr}, a list: a schedule may have changed it) and
 *       each parameter's step count and NAdam product ({@code state});
 *   <li>the position of every named {@link Generator} (initialisation, dropout masks);
 *   <li>epoch, step and data position; the history of the finished epochs (entry {@code history} of
 *       {@code extra}, every double written with {@link Double#toString}, so it reads back
 *       exactly); and the caller's own {@code extra} strings;
 *   <li>the state of {@link Resumable} callbacks such as {@link EarlyStopping}: strings as {@code
 *       extra} entries {@code callback.<name>.<key>}, tensors as {@code callback.<name>.<key>}.
 * </ul>
 *
 * The data order needs nothing more: a {@link io.myelin.data.DataLoader} draws epoch {@code e}'s
 * permutation from its seed and {@code e} alone. The optimizer's other options (betas, weight
 * decay...) are not saved: the resuming job rebuilds the optimizer with them, as it rebuilds the
 * model. Full-batch optimizers (L-BFGS, CG) keep a search history that is not saved, so they are
 * not supported.
 *
 * <pre>{@code
 * // every epoch:
 * TrainingCheckpoints.save(file, state.epoch(), state.step(), model, adam, Map.of("init", gen),
 *     state.history(), Map.of());
 * // later, in a new process, after building model and adam exactly as before:
 * Trainer.Resume from = TrainingCheckpoints.load(file, model, adam, Map.of("init", gen));
 * trainer.fit(model, loss, adam, train, validation, from);
 * }</pre>
 */
public final class TrainingCheckpoints {
  /** The {@code extra} entry that holds the history. */
  static final String HISTORY = "history";

  /** The history's metric ({@code accuracy} or {@code mse}); absent in older checkpoints. */
  static final String HISTORY_METRIC = "history.metric";

  /** The prefix of the {@code extra} entries that hold callback strings. */
  static final String CALLBACK = "callback.";

  private TrainingCheckpoints() {}

  /**
   * Writes a checkpoint of a run at an epoch boundary (data position 0); see {@link #save(Path,
   * long, long, long, io.myelin.nn.Layer, Optimizer, Map, List, History, Map)}.
   */
  public static void save(
      Path file,
      long epoch,
      long step,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      History history,
      Map<String, String> extra)
      throws IOException {
    save(file, epoch, step, 0, model, optimizer, generators, List.of(), history, extra);
  }

  /**
   * Writes a checkpoint of a run, atomically: a failure leaves the previous file as it was (see
   * {@link CheckpointIO#save}).
   *
   * @param epoch epochs completed
   * @param step optimizer steps taken
   * @param dataPosition batches of epoch {@code epoch + 1} already trained on (0 at an epoch
   *     boundary)
   * @param callbacks stateful callbacks (early stopping) whose state is saved too
   * @param history the history so far (may be null: none is saved)
   * @param optimizer the per-batch optimizer, or null to save weights and counters only (such a
   *     checkpoint cannot be {@link #restore}d)
   * @param extra the caller's strings (a run description, to check on resume)
   * @throws IOException when the file cannot be written; the message names it and says the previous
   *     file is unchanged
   */
  public static void save(
      Path file,
      long epoch,
      long step,
      long dataPosition,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      List<? extends Resumable> callbacks,
      History history,
      Map<String, String> extra)
      throws IOException {
    Map<String, Tensor> optimTensors = new LinkedHashMap<>();
    Map<String, Object> hyper = new LinkedHashMap<>();
    try (OptimizerStateDict<?> dict = optimizer == null ? null : optimizer.stateDict()) {
      if (dict != null) {
        hyper.put("optimizer", optimizer.getClass().getSimpleName());
        List<Object> rates = new ArrayList<>();
        for (int g = 0; g < optimizer.parameterGroupCount(); g++) {
          rates.add(optimizer.learningRate(g));
        }
        hyper.put("lr", rates);
        Map<String, Object> perParameter = new LinkedHashMap<>();
        for (int index : dict.state().keySet().stream().sorted().toList()) {
          var s = dict.state().get(index);
          perParameter.put(
              Integer.toString(index), Map.of("step", s.step(), "mu_product", s.muProduct()));
          for (String name : s.buffers().keySet().stream().sorted().toList()) {
            optimTensors.put(index + "." + name, s.buffers().get(name));
          }
        }
        hyper.put("state", perParameter);
      }
      Map<String, io.myelin.io.CheckpointMetadata.GeneratorState> gens = new LinkedHashMap<>();
      // Sorted, so the file does not depend on the iteration order of the caller's map.
      generators.keySet().stream()
          .sorted()
          .forEach(
              name ->
                  gens.put(
                      name,
                      io.myelin.io.CheckpointMetadata.GeneratorState.of(generators.get(name))));
      Map<String, String> allExtra = new LinkedHashMap<>(extra);
      if (history != null) {
        allExtra.put(HISTORY, encode(history.epochs()));
        allExtra.put(HISTORY_METRIC, history.metricName());
      }
      Map<String, Tensor> callbackTensors = new LinkedHashMap<>();
      for (Resumable c : callbacks) {
        Map<String, String> strings = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        c.saveState(strings, tensors);
        String prefix = CALLBACK + c.checkpointName() + ".";
        strings.forEach((k, v) -> allExtra.put(prefix + k, v));
        tensors.forEach((k, v) -> callbackTensors.put(c.checkpointName() + "." + k, v));
      }
      var ts =
          new io.myelin.io.CheckpointMetadata(epoch, step, gens, dataPosition, hyper, allExtra);
      CheckpointIO.save(file, new Checkpoint(model.stateDict(), optimTensors, ts, callbackTensors));
    }
  }

  /**
   * A callback that {@link #save}s after every epoch (with the history). A failed write ends
   * training with an {@link java.io.UncheckedIOException} naming the file; the previous checkpoint
   * stays loadable.
   */
  public static Callback everyEpoch(
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      Map<String, String> extra) {
    return everyEpoch(file, model, optimizer, generators, List.of(), extra);
  }

  /**
   * As {@link #everyEpoch(Path, Layer, Optimizer, Map, Map)}, saving the state of {@code callbacks}
   * too. Put it after them in the trainer's callback list, so that it saves what they decided at
   * the end of the epoch.
   */
  public static Callback everyEpoch(
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      List<? extends Resumable> callbacks,
      Map<String, String> extra) {
    Map<String, Generator> gens = Map.copyOf(generators);
    List<? extends Resumable> cbs = List.copyOf(callbacks);
    Map<String, String> ex = Map.copyOf(extra);
    return new Callback() {
      @Override
      public void onEpochEnd(TrainingState state, EpochRecord record) {
        try {
          save(
              file,
              state.epoch(),
              state.step(),
              0,
              model,
              optimizer,
              gens,
              cbs,
              state.history(),
              ex);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
      }
    };
  }

  /**
   * A callback that saves after every {@code steps} optimizer steps in the middle of an epoch (with
   * the data position, so that a resume continues with the next batch) and after every epoch. A
   * resumed epoch's record then covers the batches trained after the resume only; the weights are
   * still those of the uninterrupted run.
   */
  public static Callback everySteps(
      int steps,
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      Map<String, String> extra) {
    return everySteps(steps, file, model, optimizer, generators, List.of(), extra);
  }

  /** As {@link #everySteps(int, Path, Layer, Optimizer, Map, Map)}, with callback state. */
  public static Callback everySteps(
      int steps,
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      List<? extends Resumable> callbacks,
      Map<String, String> extra) {
    if (steps < 1) {
      throw new IllegalArgumentException("everySteps: steps must be >= 1, got " + steps);
    }
    Callback epochs = everyEpoch(file, model, optimizer, generators, callbacks, extra);
    Map<String, Generator> gens = Map.copyOf(generators);
    List<? extends Resumable> cbs = List.copyOf(callbacks);
    Map<String, String> ex = Map.copyOf(extra);
    return new Callback() {
      @Override
      public void onStepEnd(TrainingState state) {
        // The epoch's last step is saved by onEpochEnd, after validation and the history.
        if (state.step() % steps == 0 && state.batch() < state.batchesPerEpoch()) {
          try {
            save(
                file,
                state.epoch() - 1,
                state.step(),
                state.batch(),
                model,
                optimizer,
                gens,
                cbs,
                state.history(),
                ex);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
          }
        }
      }

      @Override
      public void onEpochEnd(TrainingState state, EpochRecord record) {
        epochs.onEpochEnd(state, record);
      }
    };
  }

  /**
   * Reads {@code file} and puts its state into {@code model}, {@code optimizer} and {@code
   * generators} (see {@link #restore}).
   */
  public static Trainer.Resume load(
      Path file, Layer model, Optimizer<?> optimizer, Map<String, Generator> generators)
      throws IOException {
    return load(file, model, optimizer, generators, List.of());
  }

  /** As {@link #load(Path, Layer, Optimizer, Map)}, restoring {@code callbacks} too. */
  public static Trainer.Resume load(
      Path file,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      List<? extends Resumable> callbacks)
      throws IOException {
    Checkpoint ck = CheckpointIO.load(file, model.parameters().getFirst().device());
    try {
      return restore(ck, model, optimizer, generators, callbacks);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file.getFileName() + ": " + e.getMessage(), e);
    } finally {
      ck.closeTensors();
    }
  }

  /**
   * Copies a checkpoint's weights into {@code model} (strictly: every name and shape must match),
   * its optimizer state into {@code optimizer} (which must be of the same class, over the same
   * parameters), and its generator positions into {@code generators} (each must be in the
   * checkpoint, with the same seed). Everything is checked before anything is changed, except that
   * a model whose names match but whose optimizer does not is left with the loaded weights. The
   * checkpoint stays owned by the caller.
   *
   * @return where {@link Trainer#fit} should continue
   * @throws IllegalArgumentException naming what does not match
   */
  public static Trainer.Resume restore(
      Checkpoint ck, Layer model, Optimizer<?> optimizer, Map<String, Generator> generators) {
    return restore(ck, model, optimizer, generators, List.of());
  }

  /**
   * As {@link #restore(Checkpoint, Layer, Optimizer, Map)}, and gives each of {@code callbacks} the
   * state it saved (each must be in the checkpoint).
   */
  public static Trainer.Resume restore(
      Checkpoint ck,
      Layer model,
      Optimizer<?> optimizer,
      Map<String, Generator> generators,
      List<? extends Resumable> callbacks) {
    var ts = ck.state();
    Map<String, Object> h = ts.hyperparameters();
    String kind = optimizer.getClass().getSimpleName();
    if (!kind.equals(h.get("optimizer"))) {
      throw new IllegalArgumentException(
          "the checkpoint holds the state of optimizer "
              + h.get("optimizer")
              + ", this run uses "
              + kind);
    }
    if (!(h.get("lr") instanceof List<?> rates)
        || rates.size() != optimizer.parameterGroupCount()
        || !rates.stream().allMatch(r -> r instanceof Double)) {
      throw new IllegalArgumentException(
          "the checkpoint's \"lr\" must list one rate per"
              + " parameter group ("
              + optimizer.parameterGroupCount()
              + "), got "
              + h.get("lr"));
    }
    for (var e : generators.entrySet()) {
      var saved = ts.generators().get(e.getKey());
      if (saved == null) {
        throw new IllegalArgumentException(
            "the checkpoint has no generator '"
                + e.getKey()
                + "' (it has "
                + ts.generators().keySet()
                + ")");
      }
      if (saved.seed() != e.getValue().seed()) {
        throw new IllegalArgumentException(
            "generator '"
                + e.getKey()
                + "' has seed "
                + e.getValue().seed()
                + " but the checkpoint's was seeded with "
                + saved.seed());
      }
    }
    if (ts.epoch() > Integer.MAX_VALUE || ts.dataPosition() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "epoch "
              + ts.epoch()
              + " / data position "
              + ts.dataPosition()
              + " beyond what the Trainer counts");
    }
    String metricName = ts.extra().get(HISTORY_METRIC);
    List<EpochRecord> history =
        decode(
            ts.extra().getOrDefault(HISTORY, ""),
            metricName == null ? null : Metric.named(metricName));
    List<Map<String, String>> callbackStrings = new ArrayList<>();
    List<Map<String, Tensor>> callbackTensors = new ArrayList<>();
    for (Resumable c : callbacks) {
      String prefix = c.checkpointName() + ".";
      Map<String, String> strings = new LinkedHashMap<>();
      ts.extra()
          .forEach(
              (k, v) -> {
                if (k.startsWith(CALLBACK + prefix)) {
                  strings.put(k.substring(CALLBACK.length() + prefix.length()), v);
                }
              });
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      ck.callbacks()
          .forEach(
              (k, v) -> {
                if (k.startsWith(prefix)) {
                  tensors.put(k.substring(prefix.length()), v);
                }
              });
      if (strings.isEmpty() && tensors.isEmpty()) {
        throw new IllegalArgumentException(
            "the checkpoint holds no state of callback '" + c.checkpointName() + "'");
      }
      callbackStrings.add(strings);
      callbackTensors.add(tensors);
    }
    model.loadStateDict(ck.model(), true);
    loadOptimizer(optimizer, ck.optimizer(), h.get("state"));
    for (int g = 0; g < rates.size(); g++) {
      optimizer.setLearningRate(g, (Double) rates.get(g));
    }
    generators.forEach((name, g) -> g.setState(ts.generators().get(name).counter()));
    for (int i = 0; i < callbacks.size(); i++) {
      callbacks.get(i).restoreState(callbackStrings.get(i), callbackTensors.get(i));
    }
    return new Trainer.Resume((int) ts.epoch(), ts.step(), (int) ts.dataPosition(), history);
  }

  private static <O extends OptimizerOptions<O>> void loadOptimizer(
      Optimizer<O> optimizer, Map<String, Tensor> tensors, Object stateEntry) {
    if (!(stateEntry instanceof Map<?, ?> perParameter)) {
      throw new IllegalArgumentException(
          "the checkpoint's \"state\" must be an object of"
              + " per-parameter step counts, got "
              + stateEntry);
    }
    Map<Integer, Map<String, Tensor>> buffers = new HashMap<>();
    for (var e : tensors.entrySet()) {
      int dot = e.getKey().indexOf('.');
      int index = dot < 0 ? -1 : parseIndex(e.getKey().substring(0, dot));
      if (index < 0 || !perParameter.containsKey(e.getKey().substring(0, dot))) {
        throw new IllegalArgumentException(
            "optimizer tensor '"
                + e.getKey()
                + "' is not <index>.<buffer> of a parameter listed in \"state\"");
      }
      buffers
          .computeIfAbsent(index, k -> new HashMap<>())
          .put(e.getKey().substring(dot + 1), e.getValue());
    }
    Map<Integer, OptimizerStateDict.ParameterState> state = new HashMap<>();
    for (var e : perParameter.entrySet()) {
      int index = parseIndex(String.valueOf(e.getKey()));
      if (index < 0
          || !(e.getValue() instanceof Map<?, ?> m)
          || !(m.get("step") instanceof Long step)
          || step < 0
          || !(m.get("mu_product") instanceof Double mu)) {
        throw new IllegalArgumentException(
            "the checkpoint's \"state\" entry "
                + e.getKey()
                + " must be {\"step\": non-negative integer, \"mu_product\": number}, got "
                + e.getValue());
      }
      state.put(
          index,
          new OptimizerStateDict.ParameterState(step, mu, buffers.getOrDefault(index, Map.of())));
    }
    List<O> groups;
    try (OptimizerStateDict<O> current = optimizer.stateDict()) {
      groups = current.groups(); // the options this run was built with; rates are set after
    }
    optimizer.loadStateDict(new OptimizerStateDict<>(groups, state));
  }

  private static int parseIndex(String s) {
    if (!s.matches("0|[1-9][0-9]{0,8}")) {
      return -1;
    }
    return Integer.parseInt(s);
  }

  /** One record per line, fields separated by commas, doubles as {@link Double#toString}. */
  static String encode(List<EpochRecord> records) {
    StringBuilder sb = new StringBuilder();
    for (EpochRecord r : records) {
      sb.append(r.epoch())
          .append(',')
          .append(r.seconds())
          .append(',')
          .append(r.learningRate())
          .append(',')
          .append(r.trainLoss())
          .append(',')
          .append(r.trainMetric())
          .append(',')
          .append(r.validationLoss())
          .append(',')
          .append(r.validationMetric())
          .append(',')
          .append(r.samples())
          .append('\n');
    }
    return sb.toString();
  }

  /** The records {@link #encode} wrote, scored by {@code metric} (null: not recorded). */
  static List<EpochRecord> decode(String text, Metric metric) {
    List<EpochRecord> out = new ArrayList<>();
    for (String line : text.lines().toList()) {
      String[] f = line.split(",", -1);
      try {
        if (f.length != 8) {
          throw new NumberFormatException(f.length + " fields");
        }
        out.add(
            new EpochRecord(
                Integer.parseInt(f[0]),
                Double.parseDouble(f[1]),
                Double.parseDouble(f[2]),
                Double.parseDouble(f[3]),
                Double.parseDouble(f[4]),
                Double.parseDouble(f[5]),
                Double.parseDouble(f[6]),
                Long.parseLong(f[7]),
                metric));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "the checkpoint's history line "
                + (out.size() + 1)
                + " is not 8 numbers: "
                + (line.length() > 100 ? line.substring(0, 100) + "..." : line));
      }
    }
    return out;
  }
}
