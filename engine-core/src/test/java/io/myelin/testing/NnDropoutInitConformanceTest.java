package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.nn.Dropout;
import io.myelin.nn.Init;
import io.myelin.nn.InitScheme;
import io.myelin.nn.Linear;
import io.myelin.nn.Maxout;
import io.myelin.nn.Sequential;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Dropout (expected activation preserved, identity in eval, seeded masks, gradient) and weight
 * initialisation (bounds and variance on large seeded samples).
 */
public abstract class NnDropoutInitConformanceTest extends DeviceTestBase {

  @Test
  void dropoutPreservesTheExpectedActivation() {
    int n = 200_003; // not a multiple of any vector width
    for (double p : new double[] {0.1, 0.5, 0.8}) {
      Dropout d = new Dropout(p, new Generator(7));
      Tensor x = Tensor.of(randomFloats(1, n, 0.5, 1.5), n);
      float[] in = x.toFloatArray();
      float[] out = d.forward(x).toFloatArray();
      int zeros = 0;
      double sumIn = 0;
      double sumOut = 0;
      for (int i = 0; i < n; i++) {
        sumIn += in[i];
        sumOut += out[i];
        if (out[i] == 0) {
          zeros++;
        } else {
          assertEquals(in[i] / (1 - p), out[i], 1e-5 * out[i], "survivor scaled by 1/(1-p)");
        }
      }
      // Binomial: the zero fraction's standard deviation is sqrt(p(1-p)/n) < 0.0012; allow 5 sigma.
      assertEquals(p, zeros / (double) n, 0.006, "fraction dropped, p=" + p);
      assertEquals(sumIn / n, sumOut / n, 0.02 * sumIn / n, "mean activation, p=" + p);
    }
  }

  @Test
  void dropoutIsIdentityInEvalAndWithPZero() {
    Tensor x = Tensor.of(randomFloats(2, 37, -1, 1), 37);
    Dropout d = new Dropout(0.5, new Generator(1));
    d.eval();
    assertSame(x, d.forward(x));
    assertSame(x, new Dropout(0.0, new Generator(1)).forward(x));
  }

  @Test
  void sameSeedGivesTheSameMaskAndTheGeneratorAdvances() {
    Tensor x = Tensor.ones(4, 129);
    float[] a = new Dropout(0.3, new Generator(42)).forward(x).toFloatArray();
    float[] b = new Dropout(0.3, new Generator(42)).forward(x).toFloatArray();
    assertArrayEquals(a, b);
    Dropout d = new Dropout(0.3, new Generator(42));
    d.forward(x);
    assertFalse(java.util.Arrays.equals(a, d.forward(x).toFloatArray()), "second call, new mask");
    assertFalse(
        java.util.Arrays.equals(a, new Dropout(0.3, new Generator(43)).forward(x).toFloatArray()));
  }

  @Test
  void dropoutGradientIsTheScaledMask() {
    Tensor x = Tensor.of(randomDoubles(3, 3 * 41, -1, 1), 3, 41).requiresGrad(true);
    Tensor y = new Dropout(0.25, new Generator(9)).forward(x);
    y.sum().backward();
    double[] yv = y.toDoubleArray();
    double[] xv = x.toDoubleArray();
    double[] expected = new double[yv.length];
    for (int i = 0; i < yv.length; i++) {
      expected[i] = yv[i] == 0 && xv[i] != 0 ? 0 : 1 / 0.75;
    }
    assertClose(expected, x.grad().toDoubleArray(), 1e-12, "d dropout / dx");
  }

  /**
   * The module's fused forward and backward against the composed definition from the same generator
   * position, x * (uniform >= p) / (1 - p): the same bits forward, and the upstream gradient times
   * the same scaled mask backward.
   */
  @Test
  void dropoutMatchesTheComposedFormFromTheSameGenerator() {
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      int rows = 5;
      int cols = 67;
      double p = 0.4;
      Tensor x =
          Tensor.of(randomDoubles(11, rows * cols, -2, 2), rows, cols).to(dt).requiresGrad(true);
      Tensor y = new Dropout(p, new Generator(21)).forward(x);
      Tensor u = Tensor.uniform(x.device(), dt, new Generator(21), 0, 1, rows, cols);
      Tensor keep = u.ge(p).mul(1 / (1 - p));
      assertArrayEquals(x.detach().mul(keep).toDoubleArray(), y.toDoubleArray(), dt + " forward");
      Tensor upstream = Tensor.of(randomDoubles(12, rows * cols, -1, 1), rows, cols).to(dt);
      y.mul(upstream).sum().backward();
      assertArrayEquals(
          upstream.mul(keep).toDoubleArray(), x.grad().toDoubleArray(), dt + " backward");
    }
  }

  /**
   * Draws a [rows, cols] float64 tensor with {@code init} and returns {min, max, mean, variance}.
   */
  private static double[] stats(int rows, int cols, BiFunction<Tensor, Generator, Tensor> init) {
    Tensor t = Tensor.zeros(Tensor.defaultDevice(), DType.FLOAT64, rows, cols).requiresGrad(true);
    Tensor r = init.apply(t, new Generator(123));
    assertSame(t, r, "initialised in place");
    double[] v = t.toDoubleArray();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double mean = 0;
    for (double d : v) {
      min = Math.min(min, d);
      max = Math.max(max, d);
      mean += d / v.length;
    }
    double var = 0;
    for (double d : v) {
      var += (d - mean) * (d - mean) / v.length;
    }
    return new double[] {min, max, mean, var};
  }

  private static void assertUniform(String what, double[] s, double bound) {
    assertTrue(
        s[0] >= -bound && s[1] <= bound,
        what + ": [" + s[0] + ", " + s[1] + "] outside +-" + bound);
    assertTrue(s[1] > 0.99 * bound && s[0] < -0.99 * bound, what + ": does not fill the interval");
    assertVariance(what, s, bound * bound / 3);
  }

  private static void assertVariance(String what, double[] s, double variance) {
    // 80,000 draws: the sample variance is within 2% (about 5 standard errors) of the truth.
    assertEquals(variance, s[3], 0.02 * variance, what + ": variance");
    assertEquals(0, s[2], 5 * Math.sqrt(variance / 80_000), what + ": mean");
  }

  @Test
  void initialisationsHaveTheirBoundsAndVariance() {
    int fanOut = 200;
    int fanIn = 400;
    assertUniform(
        "xavier uniform",
        stats(fanOut, fanIn, Init::xavierUniform),
        Math.sqrt(6.0 / (fanIn + fanOut)));
    assertVariance(
        "xavier normal", stats(fanOut, fanIn, Init::xavierNormal), 2.0 / (fanIn + fanOut));
    assertUniform("he uniform", stats(fanOut, fanIn, Init::heUniform), Math.sqrt(6.0 / fanIn));
    assertVariance("he normal", stats(fanOut, fanIn, Init::heNormal), 2.0 / fanIn);
    assertUniform(
        "lecun uniform", stats(fanOut, fanIn, Init::lecunUniform), Math.sqrt(3.0 / fanIn));
    assertVariance("lecun normal", stats(fanOut, fanIn, Init::lecunNormal), 1.0 / fanIn);
    assertUniform("uniform(-r, r)", stats(fanOut, fanIn, (t, g) -> Init.uniform(t, 0.3, g)), 0.3);
    assertVariance("normal(0, s)", stats(fanOut, fanIn, (t, g) -> Init.normal(t, 0.7, g)), 0.49);
    assertUniform(
        "kaiming a=sqrt5 (Linear default)",
        stats(fanOut, fanIn, (t, g) -> Init.kaimingUniform(t, Math.sqrt(5), g)),
        1 / Math.sqrt(fanIn));
    double[] z = stats(3, 5, (t, g) -> Init.zeros(t));
    assertArrayEquals(new double[] {0, 0, 0, 0}, z);
    double[] c = stats(3, 5, (t, g) -> Init.constant(t, 2.5));
    assertEquals(2.5, c[0]);
    assertEquals(2.5, c[1]);
  }

  @Test
  void fansFollowPyTorchForConvolutionShapes() {
    assertEquals(new Init.Fans(3 * 5 * 5, 16 * 5 * 5), Init.fans(new int[] {16, 3, 5, 5}));
    assertEquals(new Init.Fans(7, 2), Init.fans(new int[] {2, 7}));
    // He normal on a 4-D weight uses fan_in = in * k * k.
    Tensor w = Tensor.zeros(Tensor.defaultDevice(), DType.FLOAT64, 64, 8, 5, 5);
    Init.heNormal(w, new Generator(5));
    double[] v = w.toDoubleArray();
    double var = 0;
    for (double d : v) {
      var += d * d / v.length;
    }
    assertEquals(2.0 / (8 * 25), var, 0.04 * 2.0 / (8 * 25));
  }

  @Test
  void sameSeedSameWeightsAndSchemesInitialiseModels() {
    Tensor a = Init.heUniform(Tensor.zeros(6, 9), new Generator(77));
    Tensor b = Init.heUniform(Tensor.zeros(6, 9), new Generator(77));
    assertArrayEquals(a.toFloatArray(), b.toFloatArray());
    Sequential model =
        new Sequential(
            new Linear(30, 20, true, new Generator(1)), new Maxout(20, 5, 3, new Generator(2)));
    InitScheme.XAVIER_NORMAL.initialize(model, new Generator(3));
    for (var e : model.stateDict().entrySet()) {
      double[] v = e.getValue().toDoubleArray();
      if (e.getKey().endsWith("bias")) {
        assertArrayEquals(new double[v.length], v, e.getKey() + " zeroed");
      }
    }
    Linear first = (Linear) model.get(0);
    double bound = 4 * Math.sqrt(2.0 / 50);
    for (float f : first.weight().toFloatArray()) {
      assertTrue(Math.abs(f) < bound);
    }
    InitScheme.ZEROS.initialize(model, new Generator(3));
    assertEquals(0, model.parameters().stream().mapToDouble(p -> p.abs().sum().item()).sum());
  }
}
