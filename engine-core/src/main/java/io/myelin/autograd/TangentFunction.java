package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * The forward-mode rule of one op (its Jacobian-vector product): given the tangents of the op's
 * inputs, index-aligned with them, the tangent of its output. An entry is null where that input
 * carries no tangent (a zero tangent); at least one entry is non-null when the rule is called. The
 * rule runs with tangent propagation suspended, so the tensor ops it uses compute plain values; it
 * may return a tensor that broadcasts to the output's shape.
 *
 * <p>Nested dual levels (forward over forward) need more of a rule: that it be written only with
 * recorded tensor ops of the op's inputs, its output and the tangents, so that the rule of an inner
 * level, run with the outer levels still propagating, differentiates itself. Such a rule is marked
 * with {@link #nestable}; an op whose rule is not marked runs in one level at a time and fails,
 * naming the op, where two levels meet in it.
 */
@FunctionalInterface
public interface TangentFunction {
  Tensor apply(Tensor[] inputTangents);

  /**
   * {@code rule} marked as valid under nested dual levels: it computes only with recorded tensor
   * ops of the op's inputs, its output and the given tangents (no backend primitive, no value the
   * forward computed in a suspended region).
   */
  static TangentFunction nestable(TangentFunction rule) {
    return new ForwardAD.NestableTangent(rule);
  }
}
