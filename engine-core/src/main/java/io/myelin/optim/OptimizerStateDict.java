package io.myelin.optim;

import io.myelin.Tensor;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of a first-order {@link Optimizer}: the options of each parameter group and, by
 * parameter index (the order of the parameters over all groups, as PyTorch numbers them), the step
 * count and state tensors of every parameter that has been updated at least once. Saved next to the
 * model's weights, it lets training continue exactly where it stopped ({@link
 * Optimizer#loadStateDict}).
 *
 * <p>The tensors are copies owned by this snapshot (outside every memory scope), named as PyTorch
 * names them ({@code exp_avg}, {@code exp_avg_sq}, {@code momentum_buffer}, ...); {@link #close()}
 * frees them.
 *
 * @param groups the options of each group, in group order
 * @param state per parameter index, the state of the parameters that have one
 * @param <O> the optimizer's options record
 */
public record OptimizerStateDict<O extends OptimizerOptions<O>>(
    List<O> groups, Map<Integer, ParameterState> state) implements AutoCloseable {

  public OptimizerStateDict {
    groups = List.copyOf(groups);
    state = Map.copyOf(state);
  }

  /**
   * The state of one parameter.
   *
   * @param step number of updates applied to it
   * @param muProduct NAdam's running product of momentum coefficients (1 for other optimizers)
   * @param buffers state tensors by name; slots the configuration does not use are absent
   */
  public record ParameterState(long step, double muProduct, Map<String, Tensor> buffers) {
    public ParameterState {
      if (step < 0) {
        throw new IllegalArgumentException("negative step count " + step);
      }
      buffers = Map.copyOf(buffers);
    }
  }

  /** Closes every state tensor of the snapshot. */
  @Override
  public void close() {
    for (ParameterState s : state.values()) {
      s.buffers().values().forEach(Tensor::close);
    }
  }
}
