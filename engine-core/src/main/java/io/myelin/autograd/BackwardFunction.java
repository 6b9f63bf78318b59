package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * The backward rule of one op: given the gradient of the op's output, the gradients of its inputs
 * (an entry may be null for an input that needs none).
 */
@FunctionalInterface
public interface BackwardFunction {
  Tensor[] apply(Tensor gradOutput);
}
