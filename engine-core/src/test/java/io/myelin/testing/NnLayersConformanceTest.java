package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.nn.Activation;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.Flatten;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Maxout;
import io.myelin.nn.Sequential;
import io.myelin.nn.Softmax;
import io.myelin.nn.StateDicts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Linear, Flatten, Sequential, Maxout and the activation modules: forward values against plain
 * double loops on seeded inputs of awkward sizes, float64 gradient checks (1e-6), and the Layer
 * contract (names, state dict, modes, dtype conversion).
 */
public abstract class NnLayersConformanceTest extends DeviceTestBase {
  private static final double F32 = 1e-5;
  private static final double F64 = 1e-10;

  /** y[b, o] = sum_i x[b, i] w[o, i] + bias[o]. */
  private static double[] linearRef(double[] x, int rows, double[] w, double[] b, int in, int out) {
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = b == null ? 0 : b[o];
        for (int i = 0; i < in; i++) {
          s += x[r * in + i] * w[o * in + i];
        }
        y[r * out + o] = s;
      }
    }
    return y;
  }

  @Test
  void linearForwardMatchesLoops() {
    int[][] sizes = {{1, 1, 1}, {3, 7, 5}, {13, 17, 3}, {2, 1, 9}};
    long seed = 1;
    for (int[] s : sizes) {
      int rows = s[0];
      int in = s[1];
      int out = s[2];
      for (boolean bias : new boolean[] {true, false}) {
        Linear fc = new Linear(in, out, bias, new Generator(seed++));
        double[] x = randomDoubles(seed++, rows * in, -2, 2);
        Tensor y = fc.forward(Tensor.of(toFloat(x), rows, in));
        assertArrayEquals(new int[] {rows, out}, y.shape());
        double[] w = fc.weight().toDoubleArray();
        double[] b = bias ? fc.bias().toDoubleArray() : null;
        assertClose(
            linearRef(x, rows, w, b, in, out),
            y.toFloatArray(),
            1e-4,
            "linear " + rows + "x" + in + "->" + out);
      }
    }
  }

  @Test
  void linearAcceptsLeadingBatchDims() {
    Linear fc = new Linear(5, 3, true, new Generator(3));
    double[] x = randomDoubles(4, 2 * 7 * 5, -1, 1);
    Tensor y = fc.forward(Tensor.of(toFloat(x), 2, 7, 5));
    assertArrayEquals(new int[] {2, 7, 3}, y.shape());
    double[] ref = linearRef(x, 14, fc.weight().toDoubleArray(), fc.bias().toDoubleArray(), 5, 3);
    assertClose(ref, y.toFloatArray(), 1e-4, "linear 3-D");
    var e = assertThrows(IllegalArgumentException.class, () -> fc.forward(Tensor.zeros(2, 4)));
    assertTrue(e.getMessage().contains("[2, 4]"), e.getMessage());
  }

  @Test
  void linearDefaultInitIsPyTorchsBound() {
    int in = 37;
    Linear fc = new Linear(in, 300, true, new Generator(11));
    double bound = 1 / Math.sqrt(in);
    for (Tensor p : List.of(fc.weight(), fc.bias())) {
      double[] v = p.toDoubleArray();
      double max = 0;
      double sum = 0;
      for (double d : v) {
        assertTrue(Math.abs(d) <= bound, "|" + d + "| > " + bound);
        max = Math.max(max, Math.abs(d));
        sum += d;
      }
      assertTrue(max > 0.9 * bound, "draws fill the interval, max " + max);
      assertTrue(Math.abs(sum / v.length) < 0.2 * bound, "mean near 0");
    }
    double[] w = fc.weight().toDoubleArray();
    double var = 0;
    for (double d : w) {
      var += d * d;
    }
    var /= w.length;
    assertEquals(bound * bound / 3, var, 0.05 * bound * bound / 3, "variance of U(-b, b) is b^2/3");
    assertArrayEquals(new int[] {300, 37}, fc.weight().shape());
    assertTrue(fc.weight().requiresGrad() && fc.bias().requiresGrad());
  }

  @Test
  void sameGeneratorSeedGivesTheSameLayer() {
    float[] a = new Linear(6, 4, true, new Generator(5)).weight().toFloatArray();
    float[] b = new Linear(6, 4, true, new Generator(5)).weight().toFloatArray();
    float[] c = new Linear(6, 4, true, new Generator(6)).weight().toFloatArray();
    assertArrayEquals(a, b);
    assertFalse(java.util.Arrays.equals(a, c));
  }

  @Test
  void linearPassesGradCheck() {
    NnChecks.assertModuleGradients(
        "linear", new Linear(7, 3, true, new Generator(2)), rand64(3, 5, 7));
    NnChecks.assertModuleGradients(
        "linear no bias", new Linear(4, 1, false, new Generator(4)), rand64(5, 1, 4));
    NnChecks.assertModuleGradients(
        "linear 3-D", new Linear(3, 2, true, new Generator(6)), rand64(7, 2, 3, 3));
  }

  @ParameterizedTest
  @EnumSource(value = Activation.class, names = "MAXOUT", mode = EnumSource.Mode.EXCLUDE)
  void activationModulesMatchTheScalarReference(Activation a) {
    double param =
        a == Activation.LEAKY_RELU ? 0.2 : a == Activation.ELU ? 1.5 : a.defaultParameter();
    int[] shape = {3, 11};
    double[] x = randomDoubles(a.ordinal() + 10, 33, -4, 4);
    x[0] = 0;
    x[1] = 0.5;
    x[2] = -0.5;
    x[3] = 25; // softplus' linear region
    double[] expected = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      expected[i] = reference(a, x[i], param);
    }
    Layer m = a.layer(param);
    assertClose(expected, m.forward(Tensor.of(toFloat(x), shape)).toFloatArray(), F32, a + " f32");
    assertClose(expected, m.forward(Tensor.of(x, shape)).toDoubleArray(), F64, a + " f64");
    assertClose(
        expected, a.apply(Tensor.of(x, shape), param).toDoubleArray(), F64, a + " function");
  }

  /** Each activation written out independently of UnaryOp. */
  private static double reference(Activation a, double z, double p) {
    return switch (a) {
      case STEP -> z > 0 ? 1 : z < 0 ? 0 : 0.5;
      case SIGN -> Math.signum(z);
      case IDENTITY -> z;
      case PIECEWISE -> z < -0.5 ? 0 : z > 0.5 ? 1 : z + 0.5;
      case SIGMOID -> 1 / (1 + Math.exp(-z));
      case TANH -> Math.tanh(z);
      case HARDTANH -> Math.max(-1, Math.min(1, z));
      case RELU -> Math.max(0, z);
      case LEAKY_RELU -> z > 0 ? z : p * z;
      case ELU -> z > 0 ? z : p * (Math.exp(z) - 1);
      case SOFTPLUS -> z > 20 ? z : Math.log(1 + Math.exp(z));
      case SWISH -> z / (1 + Math.exp(-z));
      case GELU -> 0.5 * z * (1 + erf(z / Math.sqrt(2)));
      case MAXOUT -> throw new AssertionError();
    };
  }

  /** erf by its Taylor series (|x| <= 6), independent of the engine's normal CDF. */
  private static double erf(double x) {
    if (Math.abs(x) > 6) {
      return Math.signum(x); // 1 - erf(6) < 1e-17
    }
    double sum = 0;
    double term = x;
    for (int n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  @ParameterizedTest
  @EnumSource(
      value = Activation.class,
      names = {"MAXOUT", "STEP", "SIGN"},
      mode = EnumSource.Mode.EXCLUDE)
  void activationModulesPassGradCheck(Activation a) {
    double[] x =
        NnChecks.awayFrom(randomDoubles(a.ordinal() + 40, 4 * 7, -3, 3), 0.05, 0, -0.5, 0.5, -1, 1);
    NnChecks.assertModuleGradients(a.cliName(), a.layer(), Tensor.of(x, 4, 7));
  }

  @Test
  void stepAndSignPassNoGradient() {
    for (Activation a : List.of(Activation.STEP, Activation.SIGN)) {
      Tensor x = Tensor.of(randomDoubles(8, 10, -2, 2), 10).requiresGrad(true);
      a.apply(x).sum().backward();
      assertClose(new double[10], x.grad().toDoubleArray(), 0, a + " gradient");
    }
  }

  @Test
  void softmaxModulesMatchLoopsAndPassGradCheck() {
    double[] x = randomDoubles(21, 5 * 13, -3, 3);
    Tensor t = Tensor.of(x, 5, 13);
    assertClose(
        Ref.softmaxRows(x, 5, 13, false), Softmax.of(1).forward(t).toDoubleArray(), F64, "softmax");
    assertClose(
        Ref.softmaxRows(x, 5, 13, true),
        Softmax.log(-1).forward(t).toDoubleArray(),
        F64,
        "log-softmax");
    // Along dim 0: the transpose of the row-wise result.
    double[] cols =
        Ref.transposeLast(
            Ref.softmaxRows(Ref.transposeLast(x, new int[] {5, 13}), 13, 5, false),
            new int[] {13, 5});
    assertClose(cols, Softmax.of(0).forward(t).toDoubleArray(), F64, "softmax dim 0");
    NnChecks.assertModuleGradients("softmax", Softmax.of(1), rand64(22, 3, 4));
    NnChecks.assertModuleGradients("log-softmax", Softmax.log(0), rand64(23, 3, 4));
  }

  @Test
  void maxoutTakesTheLargestPieceAndPassesGradCheck() {
    int in = 5;
    int out = 3;
    int k = 4;
    int rows = 7;
    Maxout m = new Maxout(in, out, k, new Generator(31));
    assertEquals(List.of("linear.weight", "linear.bias"), new ArrayList<>(m.stateDict().keySet()));
    double[] x = randomDoubles(32, rows * in, -2, 2);
    double[] z =
        linearRef(
            x,
            rows,
            m.linear().weight().toDoubleArray(),
            m.linear().bias().toDoubleArray(),
            in,
            out * k);
    double[] expected = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < out; j++) {
        double best = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < k; p++) {
          best = Math.max(best, z[r * out * k + j * k + p]);
        }
        expected[r * out + j] = best;
      }
    }
    Tensor y = m.forward(Tensor.of(toFloat(x), rows, in));
    assertArrayEquals(new int[] {rows, out}, y.shape());
    assertClose(expected, y.toFloatArray(), 1e-4, "maxout");
    NnChecks.assertModuleGradients(
        "maxout", new Maxout(4, 2, 3, new Generator(33)), rand64(34, 6, 4));
  }

  @Test
  void flattenKeepsTheBatchDim() {
    Tensor x = Tensor.of(randomDoubles(41, 2 * 3 * 5 * 7, -1, 1), 2, 3, 5, 7);
    assertArrayEquals(new int[] {2, 105}, new Flatten().forward(x).shape());
    assertArrayEquals(new int[] {2, 15, 7}, new Flatten(1, 2).forward(x).shape());
    assertArrayEquals(x.toDoubleArray(), new Flatten().forward(x).toDoubleArray());
  }

  private static Sequential mlp(long seed) {
    Generator g = new Generator(seed);
    return new Sequential(
        new Linear(4, 6, true, g),
        ActivationLayer.relu(),
        new Linear(6, 5, true, g),
        ActivationLayer.relu(),
        new Linear(5, 2, true, g));
  }

  @Test
  void sequentialNamesParametersAsPyTorch() {
    Sequential s = mlp(1);
    assertEquals(
        List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
        new ArrayList<>(s.stateDict().keySet()));
    assertEquals(s.stateDict().keySet(), s.namedParameters().keySet());
    assertEquals(6, s.parameters().size());
    assertEquals(4 * 6 + 6 + 6 * 5 + 5 + 5 * 2 + 2, s.numParameters());
    assertArrayEquals(new int[] {6, 4}, s.stateDict().get("0.weight").shape());
    assertEquals(5, s.size());
    assertTrue(s.get(1) instanceof ActivationLayer);
    assertTrue(s.toString().contains("(2): Linear(in=6, out=5, bias=true)"), s.toString());
    double[] x = randomDoubles(2, 3 * 4, -1, 1);
    double[] h =
        linearRef(
            x,
            3,
            s.stateDict().get("0.weight").toDoubleArray(),
            s.stateDict().get("0.bias").toDoubleArray(),
            4,
            6);
    h = relu(h);
    h =
        relu(
            linearRef(
                h,
                3,
                s.stateDict().get("2.weight").toDoubleArray(),
                s.stateDict().get("2.bias").toDoubleArray(),
                6,
                5));
    h =
        linearRef(
            h,
            3,
            s.stateDict().get("4.weight").toDoubleArray(),
            s.stateDict().get("4.bias").toDoubleArray(),
            5,
            2);
    assertClose(h, s.forward(Tensor.of(toFloat(x), 3, 4)).toFloatArray(), 1e-4, "mlp forward");
  }

  private static double[] relu(double[] v) {
    double[] o = v.clone();
    for (int i = 0; i < o.length; i++) {
      o[i] = Math.max(0, o[i]);
    }
    return o;
  }

  @Test
  void loadStateDictCopiesValuesAndListsEveryMismatch() {
    Sequential a = mlp(1);
    Sequential b = mlp(2);
    b.loadStateDict(a.stateDict(), true);
    for (String k : a.stateDict().keySet()) {
      assertArrayEquals(
          a.stateDict().get(k).toFloatArray(), b.stateDict().get(k).toFloatArray(), k);
      assertNotSame(a.stateDict().get(k), b.stateDict().get(k));
    }
    Map<String, Tensor> bad = new LinkedHashMap<>(a.stateDict());
    bad.put("2.weight", Tensor.zeros(5, 7));
    bad.remove("4.bias");
    bad.put("9.weight", Tensor.zeros(1));
    float[] before = b.stateDict().get("0.weight").toFloatArray();
    var e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(bad, true));
    String msg = e.getMessage();
    for (String part :
        List.of(
            "2.weight",
            "[5, 7]",
            "[5, 6]",
            "missing key '4.bias'",
            "[2]",
            "unexpected key '9.weight'",
            "[1]")) {
      assertTrue(msg.contains(part), "message lacks " + part + ": " + msg);
    }
    assertArrayEquals(before, b.stateDict().get("0.weight").toFloatArray(), "nothing loaded");
    // Non-strict: missing and unexpected keys are reported, shape errors still throw.
    bad.put("2.weight", a.stateDict().get("2.weight"));
    StateDicts.LoadResult r = b.loadStateDict(bad, false);
    assertEquals(List.of("4.bias"), r.missingKeys());
    assertEquals(List.of("9.weight"), r.unexpectedKeys());
  }

  @Test
  void loadStateDictConvertsDtype() {
    Linear a = new Linear(3, 2, true, new Generator(1));
    Linear b = new Linear(3, 2, true, new Generator(2));
    b.to(DType.FLOAT64);
    b.loadStateDict(a.stateDict(), true);
    assertEquals(DType.FLOAT64, b.weight().dtype());
    assertClose(toDouble(a.weight().toFloatArray()), b.weight().toDoubleArray(), 0, "converted");
  }

  @Test
  void toDtypeReplacesParametersKeepingNamesAndGrad() {
    Sequential s = mlp(3);
    Tensor old = s.parameters().get(0);
    double[] values = old.toDoubleArray();
    s.to(DType.FLOAT64);
    Tensor now = s.parameters().get(0);
    assertNotSame(old, now);
    assertTrue(old.isClosed(), "old parameter released");
    assertEquals(DType.FLOAT64, now.dtype());
    assertTrue(now.requiresGrad() && now.isLeaf());
    assertArrayEquals(values, now.toDoubleArray());
    assertSame(now, ((Linear) s.get(0)).weight(), "accessors see the new tensor");
    assertSame(s, s.to(now.device()));
    assertSame(now, s.parameters().get(0), "same device: nothing replaced");
  }

  @Test
  void trainEvalApplyAndZeroGrad() {
    Sequential s = mlp(4);
    assertTrue(s.isTraining());
    s.eval();
    for (Layer c : s.children()) {
      assertFalse(c.isTraining());
    }
    s.train();
    assertTrue(s.get(4).isTraining());
    List<String> order = new ArrayList<>();
    s.apply(m -> order.add(m.getClass().getSimpleName()));
    assertEquals(
        List.of("Linear", "ActivationLayer", "Linear", "ActivationLayer", "Linear", "Sequential"),
        order);
    s.forward(Tensor.of(randomFloats(5, 8, -1, 1), 2, 4)).sum().backward();
    assertTrue(s.parameters().stream().allMatch(p -> p.grad() != null));
    s.zeroGrad();
    for (Tensor p : s.parameters()) {
      assertNull(p.grad());
    }
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
