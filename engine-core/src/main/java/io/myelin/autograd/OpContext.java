package io.myelin.autograd;

import io.myelin.Tensor;
import java.util.List;

/**
 * What one application of a {@link DifferentiableOp} keeps between its forward and its backward
 * (and, for forward mode, its tangent rule): the inputs it was applied to, which of them need a
 * gradient, and the tensors the forward saved. One context per {@link DifferentiableOp#apply} call;
 * not shared between threads.
 */
public final class OpContext {
  private final Tensor[] inputs;
  private List<Tensor> saved = List.of();

  OpContext(Tensor[] inputs) {
    this.inputs = inputs;
  }

  /** Saves tensors for the backward (or tangent) rule; replaces what an earlier call saved. */
  public void save(Tensor... tensors) {
    saved = java.util.Arrays.asList(tensors.clone());
  }

  /** The {@code i}-th tensor passed to {@link #save}. */
  public Tensor saved(int i) {
    return saved.get(i);
  }

  /** The number of inputs the op was applied to (null entries included). */
  public int inputCount() {
    return inputs.length;
  }

  /** True when input {@code i} is non-null and requires grad: its gradient is wanted. */
  public boolean needsInputGrad(int i) {
    return inputs[i] != null && inputs[i].requiresGrad();
  }
}
