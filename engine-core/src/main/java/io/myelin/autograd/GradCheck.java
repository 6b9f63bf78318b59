package io.myelin.autograd;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Compares analytic gradients (backward) with central differences {@code (f(x+h) - f(x-h)) / 2h},
 * in float64.
 *
 * <p>For a tensor-valued function the scalar checked is {@code sum(f(x) * w)} with fixed random
 * weights {@code w}, so every output element and every input element is covered. An element passes
 * when {@code |analytic - numeric| <= tolerance * max(1, |analytic|, |numeric|)}.
 *
 * <pre>{@code
 * GradCheck.Result r = GradCheck.check(in -> in[0].matmul(in[1]).tanh(), a, b);
 * assert r.passed() : r;
 * }</pre>
 */
public final class GradCheck {
  /** Step of the central difference (float64). */
  public static final double DEFAULT_EPS = 1e-6;

  /** Mixed absolute/relative tolerance (DESIGN.md: gradient checks within 1e-6). */
  public static final double DEFAULT_TOLERANCE = 1e-6;

  private GradCheck() {}

  /**
   * Outcome of a check.
   *
   * @param passed every element within tolerance
   * @param maxError the largest scaled error seen
   * @param elements elements compared
   * @param worst where the largest error was, with both values
   */
  public record Result(boolean passed, double maxError, int elements, String worst) {
    @Override
    public String toString() {
      return (passed ? "passed" : "FAILED")
          + ": max error "
          + maxError
          + " over "
          + elements
          + " elements; worst "
          + worst;
    }
  }

  /** Checks {@code f} at {@code inputs} with the default step and tolerance. */
  public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    return check(f, inputs, DEFAULT_EPS, DEFAULT_TOLERANCE);
  }

  /**
   * Checks {@code f} at {@code inputs}: each input is copied to a float64 leaf that requires grad,
   * and gradients with respect to all of them are compared.
   */
  public static Result check(
      Function<Tensor[], Tensor> f, Tensor[] inputs, double eps, double tolerance) {
    Tensor[] leaves = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      try (var ignored = Autograd.noGrad()) {
        leaves[i] = inputs[i].to(DType.FLOAT64).copy();
      }
      leaves[i].requiresGrad(true);
    }
    Tensor weights;
    try (var ignored = Autograd.noGrad()) {
      Tensor probe = f.apply(leaves);
      weights =
          Tensor.uniform(
              probe.device(), DType.FLOAT64, new Generator(12345), 0.5, 1.5, probe.shape());
    }
    Supplier<Tensor> loss = () -> f.apply(leaves).mul(weights).sum();
    return checkParameters(loss, Arrays.asList(leaves), eps, tolerance);
  }

  /**
   * Checks the gradient of a scalar {@code loss} with respect to {@code parameters} (float64 leaves
   * that require grad, e.g. a module's parameters after {@code to(FLOAT64)}), perturbing each
   * parameter element in place. Existing gradients are cleared.
   */
  public static Result checkParameters(
      Supplier<Tensor> loss, List<Tensor> parameters, double eps, double tolerance) {
    for (Tensor p : parameters) {
      if (p.dtype() != DType.FLOAT64) {
        throw new IllegalArgumentException(
            "GradCheck needs float64 parameters (got "
                + p.dtype().shortName()
                + "); convert the model or inputs with to(DType.FLOAT64)");
      }
      p.zeroGrad();
    }
    Tensor l = loss.get();
    if (l.numel() != 1) {
      throw new IllegalArgumentException(
          "GradCheck: the loss must have one element, got shape " + Arrays.toString(l.shape()));
    }
    l.backward();
    List<double[]> analytic = new ArrayList<>();
    for (Tensor p : parameters) {
      analytic.add(p.grad() == null ? new double[p.numel()] : p.grad().toDoubleArray());
    }
    double maxErr = 0;
    int count = 0;
    String worst = "none";
    try (var ignored = Autograd.noGrad()) {
      for (int k = 0; k < parameters.size(); k++) {
        Tensor p = parameters.get(k);
        Tensor flat = p.reshape(-1);
        double[] original = p.toDoubleArray();
        for (int i = 0; i < original.length; i++) {
          Tensor cell = flat.narrow(0, i, 1);
          cell.fill(original[i] + eps);
          double plus = loss.get().item();
          cell.fill(original[i] - eps);
          double minus = loss.get().item();
          cell.fill(original[i]);
          double numeric = (plus - minus) / (2 * eps);
          double a = analytic.get(k)[i];
          double err =
              Math.abs(a - numeric) / Math.max(1.0, Math.max(Math.abs(a), Math.abs(numeric)));
          if (!(err <= maxErr) || Double.isNaN(err)) {
            maxErr = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
            worst = "input " + k + " element " + i + ": analytic " + a + ", numeric " + numeric;
          }
          count++;
        }
      }
    }
    return new Result(maxErr <= tolerance, maxErr, count, worst);
  }
}
