package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.memory.MemoryScope;
import io.myelin.optim.ConjugateGradient;
import io.myelin.optim.FullBatchOptimizer;
import io.myelin.optim.GradClip;
import io.myelin.optim.LBFGS;
import io.myelin.optim.ParameterVector;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gradient clipping against hand computation, the flattened parameter vector, and the full-batch
 * optimizers driving tensors through autograd, on every backend.
 */
public abstract class OptimizerUtilitiesConformanceTest extends DeviceTestBase {

  private static Tensor withGrad(double[] value, double[] grad, int... shape) {
    Tensor p = Tensor.of(value, shape).requiresGrad(true);
    p.setGrad(Tensor.of(grad, shape));
    return p;
  }

  @Test
  void clipValueClampsEveryGradient() {
    Tensor a = withGrad(new double[4], new double[] {-3, 0.5, 2, -0.2}, 2, 2);
    Tensor b = withGrad(new double[2], new double[] {1.5, -1.0}, 2);
    Tensor none = Tensor.zeros(DType.FLOAT64, 2).requiresGrad(true);
    GradClip.clipValue(List.of(a, b, none), 1.0);
    assertArrayEquals(new double[] {-1, 0.5, 1, -0.2}, a.grad().toDoubleArray());
    assertArrayEquals(new double[] {1, -1}, b.grad().toDoubleArray());
    assertNull(none.grad());
    assertThrows(IllegalArgumentException.class, () -> GradClip.clipValue(List.of(a), -1));
  }

  @Test
  void clipNormScalesAllGradientsByOneFactor() {
    // grads (3, 4) and (12): total Euclidean norm sqrt(9 + 16 + 144) = 13
    Tensor a = withGrad(new double[2], new double[] {3, 4}, 2);
    Tensor b = withGrad(new double[1], new double[] {12}, 1);
    double total = GradClip.clipNorm(List.of(a, b), 6.5);
    assertEquals(13, total, 1e-12);
    double k = 6.5 / (13 + 1e-6);
    assertClose(new double[] {3 * k, 4 * k}, a.grad().toDoubleArray(), 1e-15, "a");
    assertClose(new double[] {12 * k}, b.grad().toDoubleArray(), 1e-15, "b");
    // already below the bound: untouched, and the returned norm is the current one
    double again = GradClip.clipNorm(List.of(a, b), 100);
    assertEquals(6.5, again, 1e-6);
    assertClose(new double[] {3 * k, 4 * k}, a.grad().toDoubleArray(), 0, "unchanged");
  }

  @Test
  void clipNormWithOtherNormsAndFloat32() {
    Tensor a = Tensor.of(new float[] {0, 0, 0}, 3).requiresGrad(true);
    a.setGrad(Tensor.of(new float[] {1, -5, 2}, 3));
    Tensor b = Tensor.of(new float[] {0}, 1).requiresGrad(true);
    b.setGrad(Tensor.of(new float[] {-4}, 1));
    assertEquals(5, GradClip.totalNorm(List.of(a, b), Double.POSITIVE_INFINITY), 0);
    assertEquals(12, GradClip.totalNorm(List.of(a, b), 1), 1e-6);
    double total = GradClip.clipNorm(List.of(a, b), 2.5, Double.POSITIVE_INFINITY);
    assertEquals(5, total, 0);
    double k = 2.5 / (5 + 1e-6);
    assertClose(new double[] {k, -5 * k, 2 * k}, a.grad().toFloatArray(), 1e-6, "inf-norm clip");
    assertThrows(IllegalArgumentException.class, () -> GradClip.clipNorm(List.of(a), 1, 0));
    assertEquals(0, GradClip.clipNorm(List.of(Tensor.zeros(3).requiresGrad(true)), 1.0), 0);
  }

  @Test
  void parameterVectorFlattensAndRestores() {
    // W1 [2, 3], b1 [3], W2 [3, 1], b2 [1] in float32 and float64 mixed
    Tensor w1 = Tensor.of(randomFloats(1, 6, -1, 1), 2, 3);
    Tensor b1 = Tensor.of(randomDoubles(2, 3, -1, 1), 3);
    Tensor w2 = Tensor.of(randomFloats(3, 3, -1, 1), 3, 1);
    Tensor b2 = Tensor.of(new double[] {0.25}, 1);
    ParameterVector v = new ParameterVector(List.of(w1, b1, w2, b2));
    assertEquals(13, v.size());
    assertEquals(6, v.offset(1));
    double[] x = v.values();
    assertClose(toDouble(w1.toFloatArray()), java.util.Arrays.copyOfRange(x, 0, 6), 0, "W1");
    assertEquals(0.25, x[12]);
    double[] y = randomDoubles(4, 13, -2, 2);
    v.setValues(y);
    assertClose(java.util.Arrays.copyOfRange(y, 6, 9), b1.toDoubleArray(), 0, "b1 (float64 exact)");
    assertClose(java.util.Arrays.copyOfRange(y, 0, 6), w1.toFloatArray(), 1e-7, "W1 (rounded)");
    b1.requiresGrad(true).setGrad(Tensor.of(new double[] {1, 2, 3}, 3));
    double[] g = v.gradients();
    assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0}, g);
    assertThrows(IllegalArgumentException.class, () -> v.setValues(new double[3]));
    Tensor scalar = Tensor.scalar(1.0);
    ParameterVector s = new ParameterVector(List.of(scalar));
    s.setValues(new double[] {-2.5});
    assertEquals(-2.5, scalar.item());
    assertEquals(0, scalar.rank());
  }

  /** Least squares y = X w + b, exactly solvable, through autograd in float64. */
  private FullBatchOptimizer.Closure leastSquares(
      Tensor w, Tensor b, double[] trueW, double trueB) {
    int n = 20;
    double[] xs = randomDoubles(11, n * trueW.length, -1, 1);
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      ys[i] = trueB;
      for (int j = 0; j < trueW.length; j++) {
        ys[i] += xs[i * trueW.length + j] * trueW[j];
      }
    }
    Tensor x = Tensor.of(xs, n, trueW.length);
    Tensor y = Tensor.of(ys, n, 1);
    return () -> {
      try (MemoryScope scope = MemoryScope.open()) {
        Tensor loss = x.matmul(w).add(b).sub(y).square().mean();
        loss.backward();
        return loss.item();
      }
    };
  }

  @Test
  void lbfgsFitsALinearModelThroughTensors() {
    Tensor w = Tensor.zeros(DType.FLOAT64, 3, 1).requiresGrad(true);
    Tensor b = Tensor.zeros(DType.FLOAT64, 1).requiresGrad(true);
    double[] trueW = {1.5, -2, 0.25};
    LBFGS lbfgs =
        new LBFGS(
            List.of(w, b),
            LBFGS.Options.defaults().withMaxIterations(100).withTolerances(1e-12, 1e-20));
    var r = lbfgs.step(leastSquares(w, b, trueW, 0.7));
    assertClose(trueW, w.toDoubleArray(), 1e-8, "w (" + r + ")");
    assertClose(new double[] {0.7}, b.toDoubleArray(), 1e-8, "b");
    assertTrue(r.loss() < 1e-15 && r.initialLoss() > 0.1, r.toString());
  }

  @Test
  void conjugateGradientFitsALinearModelThroughTensors() {
    Tensor w = Tensor.zeros(DType.FLOAT64, 3, 1).requiresGrad(true);
    Tensor b = Tensor.zeros(DType.FLOAT64, 1).requiresGrad(true);
    double[] trueW = {-1, 0.5, 3};
    var cg =
        new ConjugateGradient(
            List.of(w, b),
            ConjugateGradient.Options.defaults()
                .withMaxIterations(200, 1000)
                .withTolerances(1e-12, 1e-20));
    var r = cg.step(leastSquares(w, b, trueW, -0.2));
    assertClose(trueW, w.toDoubleArray(), 1e-8, "w (" + r + ")");
    assertClose(new double[] {-0.2}, b.toDoubleArray(), 1e-8, "b");
  }
}
