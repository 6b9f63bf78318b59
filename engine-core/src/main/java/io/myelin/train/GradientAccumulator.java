package io.myelin.train;

import io.myelin.DType;
import io.myelin.Tensor;
import java.util.List;

/**
 * Gradient accumulation over a cycle of batches for a {@link TrainingStep}, on the device: the
 * first batch of a cycle stores its gradients in buffers of this accumulator, the next ones add
 * theirs, and the update phase adds the sum into the fresh gradients the update reads - the order
 * in which autograd would sum them, so the bits equal those of a loop that lets gradients
 * accumulate. It also carries the cycle's "every batch finite" flag between batches. The buffers
 * are made at the first (eager) step of a cycle, never during a capture. Not thread-safe.
 */
final class GradientAccumulator implements AutoCloseable {
  private Tensor[] sums;
  private Tensor cycleFinite;

  /**
   * The cycle's flag after this batch ({@code finite} times the flag so far, or {@code finite}
   * itself for the first batch), kept for the next batch unless this one closes the cycle.
   */
  Tensor cycleFinite(Tensor finite, boolean first, boolean update) {
    Tensor cycle = first ? finite : cycleFinite.mul(finite);
    if (!update) {
      if (cycleFinite == null) {
        cycleFinite = Tensor.zeros(finite.device(), DType.FLOAT64).persist();
      }
      cycleFinite.assign(cycle);
    }
    return cycle;
  }

  /** Folds this batch's gradients into the cycle (call under no-grad). */
  void accumulate(List<Tensor> params, boolean first, boolean update) {
    if (sums == null) {
      sums = new Tensor[params.size()];
    }
    for (int i = 0; i < params.size(); i++) {
      Tensor g = params.get(i).grad();
      if (g == null) {
        continue;
      }
      if (update) {
        if (!first) {
          g.assign(sums[i].add(g));
        }
      } else if (first) {
        if (sums[i] == null) {
          sums[i] = Tensor.empty(g.device(), g.dtype(), g.shape()).persist();
        }
        sums[i].assign(g);
      } else {
        sums[i].assign(sums[i].add(g));
      }
    }
  }

  @Override
  public void close() {
    if (sums != null) {
      for (Tensor t : sums) {
        if (t != null) {
          t.close();
        }
      }
    }
    if (cycleFinite != null) {
      cycleFinite.close();
    }
  }
}
