package io.myelin.spark;

import io.myelin.Tensor;
import io.myelin.loss.Loss;
import io.myelin.nn.Layer;
import io.myelin.optim.Optimizer;
import java.io.Serializable;
import java.util.List;

/**
 * What each task needs to build its replica; shipped to the executors, so serializable (a lambda
 * assigned to one of these interfaces is). Every call must build the same architecture; the initial
 * values need not agree, rank 0's are broadcast.
 */
public final class ReplicaFactories {
  private ReplicaFactories() {}

  /** A fresh model on the CPU. */
  @FunctionalInterface
  public interface ModelFactory extends Serializable {
    Layer create() throws Exception;
  }

  /** The optimizer over a replica's parameters. */
  @FunctionalInterface
  public interface OptimizerFactory extends Serializable {
    Optimizer<?> create(List<Tensor> parameters);
  }

  /** The loss. */
  @FunctionalInterface
  public interface LossFactory extends Serializable {
    Loss create();
  }
}
