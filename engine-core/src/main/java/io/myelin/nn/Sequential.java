package io.myelin.nn;

import io.myelin.Tensor;
import java.util.List;

/**
 * Modules applied one after another, as PyTorch's {@code nn.Sequential}: the output of child {@code
 * i} is the input of child {@code i + 1}. Children are named {@code "0"}, {@code "1"}, ... so
 * parameter names are {@code "0.weight"}, {@code "0.bias"}, {@code "2.weight"}, ...
 *
 * <pre>{@code
 * Sequential mlp = new Sequential(
 *     new Linear(2, 8), ActivationLayer.relu(), new Linear(8, 1));   // [N, 2] -> [N, 1]
 * }</pre>
 */
public final class Sequential extends Layer {
  private int size;

  /** Per-example shape flat rows are viewed as before the first child, or null. */
  private int[] exampleShape;

  public Sequential(Layer... modules) {
    for (Layer m : modules) {
      add(m);
    }
  }

  public Sequential(List<? extends Layer> modules) {
    for (Layer m : modules) {
      add(m);
    }
  }

  /** Appends {@code module} under the next index name. Returns this. */
  public Sequential add(Layer module) {
    if (module == null) {
      throw new IllegalArgumentException("Sequential: module " + size + " is null");
    }
    registerModule(Integer.toString(size), module);
    size++;
    return this;
  }

  /** Child {@code index}. */
  public Layer get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("Sequential has " + size + " modules, no index " + index);
    }
    return namedChildren().get(Integer.toString(index));
  }

  /** Number of children. */
  public int size() {
    return size;
  }

  /**
   * Makes the model view a flat {@code [N, F]} input as {@code [N, shape...]} (no copy, no
   * parameter, no child: state-dict names stay those of the children) before its first child, so a
   * convolutional model takes the rows of a tabular dataset as images ({@code [N, 784]} as {@code
   * [N, 1, 28, 28]}); inputs of any other rank pass unchanged. Returns this.
   */
  public Sequential viewingInputAs(int... shape) {
    this.exampleShape = shape.clone();
    return this;
  }

  /** The per-example shape set by {@link #viewingInputAs} (a copy), or null. */
  public int[] inputView() {
    return exampleShape == null ? null : exampleShape.clone();
  }

  /** Shape: that of the first child's input to the last child's output. */
  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    if (exampleShape != null && input.rank() == 2) {
      int[] s = new int[exampleShape.length + 1];
      s[0] = input.size(0);
      System.arraycopy(exampleShape, 0, s, 1, exampleShape.length);
      x = input.view(s);
    }
    for (Layer m : namedChildren().values()) {
      x = m.forward(x);
    }
    return x;
  }
}
