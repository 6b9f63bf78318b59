package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * The forward-mode rule of one op (its Jacobian-vector product): given the tangents of the op's
 * inputs, index-aligned with them, the tangent of its output. An entry is null where that input
 * carries no tangent (a zero tangent); at least one entry is non-null when the rule is called. The
 * rule runs with tangent propagation suspended, so the tensor ops it uses compute plain values; it
 * may return a tensor that broadcasts to the output's shape.
 */
@FunctionalInterface
public interface TangentFunction {
  Tensor apply(Tensor[] inputTangents);
}
