package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * One recorded op of the tape: its inputs and its backward rule (a closure that captured what
 * the forward saved). Created by Tensor ops when gradients are needed; released after backward
 * runs through it (unless the graph is retained), which drops the saved tensors.
 */
public final class Node {
  private final String op;
  private Tensor[] inputs;
  private BackwardFunction backward;
  private final boolean differentiableBackward;

  Node(String op, Tensor[] inputs, BackwardFunction backward, boolean differentiableBackward) {
    this.op = op;
    this.inputs = inputs;
    this.backward = backward;
    this.differentiableBackward = differentiableBackward;
  }

  /**
   * True when the backward is written with differentiable tensor ops, so that with {@code
   * createGraph} the gradient it returns is itself recorded (double backward); false for a
   * backward that calls a backend primitive directly.
   */
  public boolean hasDifferentiableBackward() {
    return differentiableBackward;
  }

  /** The op's name, for error messages ("mul", "matmul"...). */
  public String op() {
    return op;
  }

  Tensor[] inputs() {
    if (inputs == null) {
      throw new IllegalStateException(
          "the graph through '" + op + "' was already freed by an earlier backward(); "
              + "call backward(grad, true) to retain it");
    }
    return inputs;
  }

  Tensor[] applyBackward(Tensor gradOutput) {
    if (backward == null) {
      inputs();
    }
    return backward.apply(gradOutput);
  }

  void release() {
    inputs = null;
    backward = null;
  }

  @Override
  public String toString() {
    return "Node(" + op + ")";
  }
}
