package io.myelin.nn;

import io.myelin.Tensor;
import java.util.List;

/**
 * Modules applied one after another, as PyTorch's {@code nn.Sequential}: the output of child
 * {@code i} is the input of child {@code i + 1}. Children are named {@code "0"}, {@code "1"}, ...
 * so parameter names are {@code "0.weight"}, {@code "0.bias"}, {@code "2.weight"}, ...
 *
 * <pre>{@code
 * Sequential mlp = new Sequential(
 *     new Linear(2, 8), ActivationLayer.relu(), new Linear(8, 1));   // [N, 2] -> [N, 1]
 * }</pre>
 */
public final class Sequential extends Module {
  private int size;

  public Sequential(Module... modules) {
    for (Module m : modules) {
      add(m);
    }
  }

  public Sequential(List<? extends Module> modules) {
    for (Module m : modules) {
      add(m);
    }
  }

  /** Appends {@code module} under the next index name. Returns this. */
  public Sequential add(Module module) {
    if (module == null) {
      throw new IllegalArgumentException("Sequential: module " + size + " is null");
    }
    registerModule(Integer.toString(size), module);
    size++;
    return this;
  }

  /** Child {@code index}. */
  public Module get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("Sequential has " + size + " modules, no index " + index);
    }
    return namedChildren().get(Integer.toString(index));
  }

  /** Number of children. */
  public int size() {
    return size;
  }

  /** Shape: that of the first child's input to the last child's output. */
  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (Module m : namedChildren().values()) {
      x = m.forward(x);
    }
    return x;
  }
}
