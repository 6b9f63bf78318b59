package io.myelin.optim;

import io.myelin.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Parameters that share hyperparameters inside one {@link Optimizer} (PyTorch's param_groups): for
 * example the weights with weight decay and the biases without, or a pretrained trunk with a
 * smaller learning rate than a new head. The options can be replaced between steps (schedules do
 * that for the learning rate); the parameter list is fixed.
 *
 * <pre>{@code
 * var opt = new SGD(
 *     new ParameterGroup<>(List.of(w1, w2), SGD.Options.of(0.1)),
 *     new ParameterGroup<>(List.of(b1, b2), SGD.Options.of(0.01)));
 * }</pre>
 *
 * <p>Not thread-safe; it belongs to its optimizer.
 *
 * @param <O> the optimizer's options record
 */
public final class ParameterGroup<O extends OptimizerOptions<O>> {
  private final List<Tensor> parameters;
  private O options;

  public ParameterGroup(Iterable<Tensor> parameters, O options) {
    List<Tensor> list = new ArrayList<>();
    for (Tensor p : Objects.requireNonNull(parameters, "parameters")) {
      list.add(Objects.requireNonNull(p, "a parameter is null"));
    }
    this.parameters = List.copyOf(list);
    this.options = Objects.requireNonNull(options, "options");
  }

  /** The parameters, in the order given (an unmodifiable list). */
  public List<Tensor> parameters() {
    return parameters;
  }

  public O options() {
    return options;
  }

  /** Replaces the hyperparameters; the next step uses them. */
  public void setOptions(O options) {
    this.options = Objects.requireNonNull(options, "options");
  }
}
