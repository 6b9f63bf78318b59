package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * One recorded op of the tape: its inputs and its backward rule (a closure that captured what the
 * forward saved). Created by Tensor ops when gradients are needed; released after backward runs
 * through it (unless the graph is retained), which drops the saved tensors.
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
   * createGraph} the gradient it returns is itself recorded (double backward); false for a backward
   * that calls a backend primitive directly.
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
          "the graph through '"
              + op
              + "' was already freed by an earlier backward(); "
              + "call backward(grad, true) to retain it");
    }
    return inputs;
  }

  Tensor[] applyBackward(Tensor gradOutput) {
    if (backward == null) {
      inputs();
    }
    Tensor[] grads = backward.apply(gradOutput);
    if (!differentiableBackward && ForwardAD.isPropagating()) {
      checkTangentsPropagated(gradOutput, grads);
    }
    return grads;
  }

  /**
   * Forward over reverse through a backward that calls a backend primitive: unless the backward
   * attached tangents to its gradients itself, they would silently miss {@code H v}; fail naming
   * the op instead.
   */
  private void checkTangentsPropagated(Tensor gradOutput, Tensor[] grads) {
    boolean dualIn = ForwardAD.tangentOf(gradOutput) != null;
    for (Tensor in : inputs) {
      dualIn |= ForwardAD.tangentOf(in) != null;
    }
    if (!dualIn) {
      return;
    }
    if (ForwardAD.hasOuterTangents(gradOutput) || ForwardAD.hasOuterTangents(inputs)) {
      throw new UnsupportedOperationException(
          "forward-mode AD over the backward of '"
              + op
              + "': a backend primitive, and tangents of nested dual levels reach it");
    }
    for (Tensor g : grads) {
      if (g != null && ForwardAD.tangentOf(g) == null) {
        throw new UnsupportedOperationException(
            "forward-mode AD over the backward of '"
                + op
                + "' (a Hessian-vector product, jacfwd of a gradient): its backward is a backend"
                + " primitive without a tangent rule");
      }
    }
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
