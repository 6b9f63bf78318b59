package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * The public way to add a differentiable operation, in the spirit of PyTorch's {@code
 * autograd.Function}: a subclass states the forward, the backward (vector-Jacobian product) and,
 * optionally, the forward-mode tangent rule (Jacobian-vector product) side by side; {@link #apply}
 * runs the forward and records one tape node whose backward is this op's.
 *
 * <p>The forward runs with gradients disabled (what it computes with tensor ops is not recorded;
 * the op is one node). The backward receives {@code dL/dout} (out's shape) and returns one gradient
 * per input, of that input's shape, or null where {@link OpContext#needsInputGrad} is false. An op
 * that calls a backend primitive directly reaches it through its input's storage ({@code
 * x.storage().backend()}), with explicit offsets from {@code x.layout()}.
 *
 * <pre>{@code
 * // y = x^3, dy/dx = 3 x^2
 * final class Cube extends DifferentiableOp {
 *   Cube() { super("cube"); }
 *   protected Tensor forward(OpContext ctx, Tensor... in) {
 *     ctx.save(in[0]);
 *     return in[0].mul(in[0]).mul(in[0]);
 *   }
 *   protected Tensor[] backward(OpContext ctx, Tensor g) {
 *     Tensor x = ctx.saved(0);
 *     return new Tensor[] {g.mul(x.mul(x).mul(3))};
 *   }
 * }
 * Tensor y = new Cube().apply(x);
 * }</pre>
 *
 * <p>An instance may be applied any number of times (each call gets its own {@link OpContext});
 * per-call parameters (a probability, an epsilon) are usually fields of the instance.
 */
public abstract class DifferentiableOp {
  private final String name;

  /**
   * @param name the op's name in error messages and {@link Node#op()} ("cube", "dropout")
   */
  protected DifferentiableOp(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("DifferentiableOp: the name must not be blank");
    }
    this.name = name;
  }

  /** The op's name. */
  public final String name() {
    return name;
  }

  /**
   * Computes the output from the inputs (entries may be null for optional inputs) and saves in
   * {@code ctx} what the backward needs.
   */
  protected abstract Tensor forward(OpContext ctx, Tensor... inputs);

  /**
   * Vector-Jacobian product: from {@code dL/dout} the gradient of each input (index-aligned with
   * the inputs; null for an input that needs none). The tensors returned belong to autograd from
   * then on: it closes a gradient made during the pass once it has been used, and a leaf may keep
   * one as its {@code grad} without a copy, so return tensors computed for the purpose (or {@code
   * gradOutput} itself), not ones the op keeps and changes later.
   */
  protected abstract Tensor[] backward(OpContext ctx, Tensor gradOutput);

  /**
   * Jacobian-vector product for forward-mode AD: the output's tangent from the inputs' tangents
   * (index-aligned; null for an input without a tangent, i.e. a zero tangent). The default has no
   * rule and fails naming the op, so forward mode never yields a wrong number silently.
   */
  protected Tensor tangent(OpContext ctx, Tensor... inputTangents) {
    throw new UnsupportedOperationException(
        "forward-mode AD: op '"
            + name
            + "' has no tangent rule (override DifferentiableOp.tangent)");
  }

  /**
   * Forward over reverse (a Hessian-vector product) through an op whose backward is a backend
   * primitive: the tangents of the gradients {@link #backward} returned (index-aligned, null for
   * none), given {@code gradOutput}, its tangent and the inputs' tangents (null entries are zeros).
   * Called only when {@link #hasDifferentiableBackward} is false and some tangent is live; the
   * default has no rule and fails naming the op.
   *
   * @param grads what {@link #backward} returned for {@code gradOutput}
   */
  protected Tensor[] backwardTangent(
      OpContext ctx,
      Tensor gradOutput,
      Tensor[] grads,
      Tensor gradOutputTangent,
      Tensor[] inputTangents) {
    throw new UnsupportedOperationException(
        "forward-mode AD over the backward of '"
            + name
            + "' (a Hessian-vector product, jacfwd of a gradient): no rule (override"
            + " DifferentiableOp.backwardTangent)");
  }

  /**
   * True (the default) when {@link #backward} is written with differentiable tensor ops, so a
   * gradient taken with {@code createGraph} can be differentiated again; an op whose backward calls
   * a backend primitive returns false, and double backward through it fails naming it.
   */
  protected boolean hasDifferentiableBackward() {
    return true;
  }

  /** Runs the forward and records the node when gradients are enabled and an input needs one. */
  public final Tensor apply(Tensor... inputs) {
    OpContext ctx = new OpContext(inputs.clone());
    Tensor out;
    // One node for both modes: what the forward computes is neither recorded nor given tangents.
    try (var ignored = Autograd.noGrad();
        var suspended = ForwardAD.suspend()) {
      out = forward(ctx, inputs);
    }
    if (out == null) {
      throw new IllegalStateException(name + ": forward returned null");
    }
    for (Tensor in : inputs) {
      if (in == out) {
        // Recording would give the input itself a grad function; a view (detach()) is a new tensor.
        throw new IllegalStateException(
            name + ": forward must return a new tensor, not one of its inputs (return x.detach())");
      }
    }
    boolean differentiable = hasDifferentiableBackward();
    return Tape.instance()
        .record(
            name,
            differentiable,
            out,
            g ->
                differentiable || !ForwardAD.isPropagating()
                    ? backward(ctx, g)
                    : backwardWithTangents(ctx, g, inputs),
            t -> tangent(ctx, t),
            inputs);
  }

  /** The backward of a primitive inside a dual level: values, then their tangents by rule. */
  private Tensor[] backwardWithTangents(OpContext ctx, Tensor g, Tensor[] inputs) {
    Tensor gt = ForwardAD.tangentOf(g);
    Tensor[] inputTangents = new Tensor[inputs.length];
    boolean any = gt != null;
    for (int i = 0; i < inputs.length; i++) {
      inputTangents[i] = ForwardAD.tangentOf(inputs[i]);
      any |= inputTangents[i] != null;
    }
    if (ForwardAD.hasOuterTangents(g) || ForwardAD.hasOuterTangents(inputs)) {
      throw new UnsupportedOperationException(
          "forward-mode AD over the backward of '"
              + name
              + "': its rule handles one dual level, and tangents of nested levels reach it");
    }
    Tensor[] grads;
    try (var ignored = ForwardAD.suspend()) {
      grads = backward(ctx, g);
      if (!any) {
        return grads;
      }
      Tensor[] tangents = backwardTangent(ctx, g, grads, gt, inputTangents);
      for (int i = 0; i < grads.length; i++) {
        if (grads[i] != null) {
          // A null tangent is a zero one (the gradient does not move along v).
          ForwardAD.setTangent(
              grads[i], tangents[i] != null ? tangents[i] : Tensor.zerosLike(grads[i]));
        }
      }
    }
    return grads;
  }
}
