package io.myelin.loss;

import io.myelin.Tensor;

/**
 * A loss function of a prediction and a target, differentiable in the prediction. Shape contracts,
 * math and the PyTorch equivalent are on each implementation.
 *
 * <pre>{@code
 * Loss loss = new CrossEntropyLoss();
 * Tensor l = loss.forward(model.forward(x), labels);   // shape [] with the default MEAN
 * l.backward();
 * }</pre>
 *
 * <p>Implementations are immutable records and thread-safe.
 */
@FunctionalInterface
public interface Loss {
  /** The loss of {@code input} (predictions) against {@code target}. */
  Tensor forward(Tensor input, Tensor target);
}
