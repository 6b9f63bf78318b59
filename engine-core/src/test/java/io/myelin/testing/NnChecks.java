package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.GradCheck;
import io.myelin.nn.Layer;
import java.util.List;
import java.util.function.Function;

/** Gradient-check helpers for modules and losses (float64, tolerance 1e-6). */
final class NnChecks {
  private NnChecks() {}

  /**
   * Checks a module's gradients with respect to its parameters and its input: the module is
   * converted to float64 and the scalar checked is {@code sum(forward(x) * w)} with fixed weights.
   */
  static void assertModuleGradients(String what, Layer m, Tensor input) {
    m.to(DType.FLOAT64);
    Tensor x = input.to(DType.FLOAT64);
    Tensor w;
    try (var ignored = Autograd.noGrad()) {
      Tensor probe = m.forward(x);
      w = Tensor.uniform(probe.device(), DType.FLOAT64, new Generator(99), 0.5, 1.5, probe.shape());
    }
    List<Tensor> params = m.parameters();
    if (!params.isEmpty()) {
      GradCheck.Result r =
          GradCheck.checkParameters(
              () -> m.forward(x).mul(w).sum(),
              params,
              GradCheck.DEFAULT_EPS,
              GradCheck.DEFAULT_TOLERANCE);
      assertTrue(r.passed(), what + " (parameters): " + r);
      assertTrue(r.elements() > 0, what + ": nothing compared");
    }
    assertGrad(what + " (input)", in -> m.forward(in[0]), x);
    m.zeroGrad();
  }

  static void assertGrad(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
    GradCheck.Result r = GradCheck.check(f, inputs);
    assertTrue(r.passed(), what + ": " + r);
    assertTrue(r.elements() > 0, what + ": nothing compared");
  }

  /** Seeded doubles in [lo, hi) moved at least {@code gap} away from each kink. */
  static double[] awayFrom(double[] v, double gap, double... kinks) {
    double[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      for (double k : kinks) {
        if (Math.abs(out[i] - k) < gap) {
          out[i] = k + (out[i] >= k ? gap : -gap) * 2;
        }
      }
    }
    return out;
  }
}
