package io.myelin.cli;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.io.Checkpoint;
import io.myelin.io.CheckpointIO;
import io.myelin.nn.Module;
import io.myelin.optim.Optimizer;
import io.myelin.optim.OptimizerStateDict;
import io.myelin.train.Callback;
import io.myelin.train.EpochRecord;
import io.myelin.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --checkpoint FILE}: after every epoch, the weights, the optimizer's per-parameter state
 * ({@code <index>.<buffer>}, steps in the metadata), the epoch and step, and the generator's
 * position, written atomically by {@link CheckpointIO}.
 */
final class CheckpointWriter implements Callback {
  private final Path file;
  private final Module model;
  private final Optimizer<?> optimizer;
  private final Generator generator;

  CheckpointWriter(Path file, Module model, Optimizer<?> optimizer, Generator generator) {
    this.file = file;
    this.model = model;
    this.optimizer = optimizer;
    this.generator = generator;
  }

  @Override
  public void onEpochEnd(TrainingState state, EpochRecord record) {
    Map<String, Tensor> optimTensors = new LinkedHashMap<>();
    Map<String, Object> hyper = new LinkedHashMap<>();
    OptimizerStateDict<?> dict = optimizer == null ? null : optimizer.stateDict();
    try {
      if (dict != null) {
        hyper.put("optimizer", optimizer.getClass().getSimpleName());
        hyper.put("lr", optimizer.learningRate(0));
        for (var e : dict.state().entrySet()) {
          hyper.put("step." + e.getKey(), e.getValue().step());
          for (var b : e.getValue().buffers().entrySet()) {
            optimTensors.put(e.getKey() + "." + b.getKey(), b.getValue());
          }
        }
      }
      var ts = new io.myelin.io.TrainingState(state.epoch(), state.step(),
          Map.of("init", io.myelin.io.TrainingState.GeneratorState.of(generator)), 0, hyper,
          Map.of());
      CheckpointIO.save(file, new Checkpoint(model.stateDict(), optimTensors, ts));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (dict != null) {
        dict.close();
      }
    }
  }
}
