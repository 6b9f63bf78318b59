package io.myelin.optim;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.memory.MemoryScope;
import java.util.List;

/**
 * A list of parameter tensors (W1, b1, W2, b2, ...) seen as one flat float64 vector on the host, in
 * order, each tensor row-major: the form full-batch methods such as {@link LBFGS} and {@link
 * ConjugateGradient} work on (the "unroll the parameters into one vector" route of Ng's machine
 * learning course, and PyTorch's {@code parameters_to_vector}).
 *
 * <p>Reading and writing copy between the devices' tensors and host arrays; values are converted
 * from and to each tensor's dtype (a float32 parameter stores the rounded value). Not thread-safe.
 */
public final class ParameterVector {
  private final List<Tensor> parameters;
  private final int[] offsets;
  private final int size;

  public ParameterVector(List<Tensor> parameters) {
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("ParameterVector: no parameters");
    }
    this.parameters = List.copyOf(parameters);
    this.offsets = new int[parameters.size() + 1];
    long n = 0;
    for (int i = 0; i < parameters.size(); i++) {
      Tensor p = parameters.get(i);
      if (!p.dtype().isFloating()) {
        throw new IllegalArgumentException(
            "ParameterVector: parameter "
                + i
                + " is "
                + p.dtype().shortName()
                + "; only floating-point tensors can be flattened");
      }
      offsets[i] = (int) n;
      n += p.numel();
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("ParameterVector: " + n + " elements exceed one array");
    }
    offsets[parameters.size()] = (int) n;
    this.size = (int) n;
  }

  /** The parameters, in vector order. */
  public List<Tensor> parameters() {
    return parameters;
  }

  /** Total number of elements. */
  public int size() {
    return size;
  }

  /** Where parameter {@code i} starts in the vector. */
  public int offset(int i) {
    return offsets[i];
  }

  /** The current values as a new vector. */
  public double[] values() {
    double[] x = new double[size];
    for (int i = 0; i < parameters.size(); i++) {
      double[] v = parameters.get(i).toDoubleArray();
      System.arraycopy(v, 0, x, offsets[i], v.length);
    }
    return x;
  }

  /** The gradients as a new vector; a parameter without a gradient contributes zeros. */
  public double[] gradients() {
    double[] x = new double[size];
    for (int i = 0; i < parameters.size(); i++) {
      Tensor g = parameters.get(i).grad();
      if (g != null) {
        double[] v = g.toDoubleArray();
        System.arraycopy(v, 0, x, offsets[i], v.length);
      }
    }
    return x;
  }

  /** Writes {@code x} into the parameters (in place, not recorded by autograd). */
  public void setValues(double[] x) {
    if (x.length != size) {
      throw new IllegalArgumentException(
          "ParameterVector.setValues: vector of " + x.length + " elements, expected " + size);
    }
    try (var ignored = Autograd.noGrad();
        MemoryScope scope = MemoryScope.open()) {
      for (int i = 0; i < parameters.size(); i++) {
        Tensor p = parameters.get(i);
        double[] part = new double[p.numel()];
        System.arraycopy(x, offsets[i], part, 0, part.length);
        // Made 1-D and reshaped, so that rank-0 parameters (scalars) work too.
        p.assign(Tensor.of(p.device(), part).reshape(p.shape()));
      }
    }
  }
}
