package io.myelin.io;

import io.myelin.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of a training run: model weights, optimizer state and the {@link CheckpointMetadata}
 * (epoch, step, random streams, data position, hyperparameters) needed to resume it exactly. Saved
 * and loaded by {@link CheckpointIO}.
 *
 * <p>The tensor maps are generic on purpose: a model contributes its named parameters and buffers
 * (PyTorch names and layouts, e.g. {@code fc1.weight} as {@code [out, in]}), an optimizer its
 * per-parameter state under whatever names it chooses (e.g. {@code 0.exp_avg}). Names are kept in
 * order and must not be null.
 *
 * <pre>{@code
 * var state = new CheckpointMetadata(epoch, step, Map.of("init", GeneratorState.of(gen)), batch,
 *     Map.of("lr", 1e-3, "betas", List.of(0.9, 0.999)), Map.of());
 * CheckpointIO.save(dir.resolve("last.ckpt"), new Checkpoint(model.stateDict(), adam.state(), state));
 * }</pre>
 *
 * @param model model tensors, stored as {@code model.<name>}
 * @param optimizer optimizer tensors, stored as {@code optim.<name>}
 * @param state everything else
 * @param callbacks tensors of stateful callbacks (early stopping's best weights...), stored as
 *     {@code callback.<name>}
 */
public record Checkpoint(
    Map<String, Tensor> model,
    Map<String, Tensor> optimizer,
    CheckpointMetadata state,
    Map<String, Tensor> callbacks) {
  public Checkpoint {
    model = copy(model, "model");
    optimizer = copy(optimizer, "optimizer");
    Objects.requireNonNull(state, "state");
    callbacks = copy(callbacks, "callback");
  }

  /** A checkpoint without callback tensors. */
  public Checkpoint(
      Map<String, Tensor> model, Map<String, Tensor> optimizer, CheckpointMetadata state) {
    this(model, optimizer, state, Map.of());
  }

  private static Map<String, Tensor> copy(Map<String, Tensor> m, String what) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : m.entrySet()) {
      out.put(
          Objects.requireNonNull(e.getKey(), what + " tensor name"),
          Objects.requireNonNull(
              e.getValue(), () -> what + " tensor '" + e.getKey() + "' is null"));
    }
    return Collections.unmodifiableMap(out);
  }

  /** Closes every tensor of this checkpoint (after their values were copied into a model). */
  public void closeTensors() {
    model.values().forEach(Tensor::close);
    optimizer.values().forEach(Tensor::close);
    callbacks.values().forEach(Tensor::close);
  }
}
