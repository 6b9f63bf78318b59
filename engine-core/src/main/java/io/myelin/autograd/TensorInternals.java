package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * What autograd does to a tensor that is not public on {@link Tensor}: mark an op's output as
 * recorded and add a gradient into a leaf. Implemented once, by {@code Tensor} itself, and handed
 * to {@link Tape#install}; not for users (a user-defined op goes through {@link DifferentiableOp}).
 */
public interface TensorInternals {
  /** Sets {@code out}'s grad function to {@code node} and marks it as requiring grad. */
  void attach(Tensor out, Node node);

  /**
   * Adds {@code g} (same shape) into {@code leaf}'s gradient. {@code exclusive}: autograd made
   * {@code g} for this leaf alone (a backward function's fresh output, handed to no other input and
   * not the gradient that came in), so a leaf without a gradient may keep {@code g}'s memory
   * instead of copying it, as PyTorch's AccumulateGrad steals an unshared gradient.
   */
  void accumulateGrad(Tensor leaf, Tensor g, boolean exclusive);

  /** A number that orders {@code t} among all tensors by when they were made. */
  long serial(Tensor t);

  /** The serial of the tensor made last (0 before the first). */
  long lastSerial();

  /** {@code t}'s forward-mode tangents, an object only {@link ForwardAD} reads (null: none). */
  Object tangents(Tensor t);

  /** Replaces {@code t}'s forward-mode tangents (what {@link #tangents} returns). */
  void setTangents(Tensor t, Object tangents);
}
