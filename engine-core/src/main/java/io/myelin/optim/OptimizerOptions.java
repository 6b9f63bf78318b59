package io.myelin.optim;

import io.myelin.backend.OptimizerHyperparameters;

/**
 * The hyperparameters of one parameter group of a first-order {@link Optimizer}: a record per
 * optimizer ({@code Adam.Options}, {@code SGD.Options}, ...) validated in its canonical
 * constructor, with PyTorch's defaults in a {@code defaults()} factory and {@code withX} copies.
 *
 * @param <O> the implementing record
 */
public interface OptimizerOptions<O extends OptimizerOptions<O>> {

  /** The learning rate. */
  double lr();

  /** A copy with the learning rate replaced (schedules use it). */
  O withLr(double lr);

  /** These options as the scalars of the backend's fused update. */
  OptimizerHyperparameters hyperparameters();
}
