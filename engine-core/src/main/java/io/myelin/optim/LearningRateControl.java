package io.myelin.optim;

/**
 * What a learning-rate schedule needs of an optimizer: the rate of each parameter group, read and
 * written between steps. Every {@link Optimizer} provides it.
 */
public interface LearningRateControl {

  /** Number of parameter groups (each has its own rate). */
  int parameterGroupCount();

  /** The learning rate of group {@code group}. */
  double learningRate(int group);

  /** Sets the learning rate of group {@code group}; rejects invalid rates with a message. */
  void setLearningRate(int group, double lr);
}
