package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.Storage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CPU's fused optimizer kernels directly: float32 against float64 over awkward sizes, the same
 * bits whatever the split over threads, offsets honoured, and argument checks.
 */
class CpuOptimizerKernelsTest {

  private static final OptimizerHyperparameters[] CONFIGS = {
    OptimizerHyperparameters.sgd(0.1, 0.9, 0.1, false, false, false, 0.01, false),
    OptimizerHyperparameters.sgd(0.1, 0.9, 0, true, false, false, 0, true),
    OptimizerHyperparameters.sgd(0.1, 0.9, 0, false, true, true, 0, false),
    OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0.01, true, true, false),
    OptimizerHyperparameters.adamax(2e-3, 0.9, 0.999, 1e-8, 0.01, false),
    OptimizerHyperparameters.nadam(2e-3, 0.9, 0.999, 1e-8, 0.01, false, 4e-3, 0.8, false),
    OptimizerHyperparameters.rmsprop(1e-2, 0.99, 1e-8, 0.01, 0.9, true, false),
    OptimizerHyperparameters.adagrad(1e-2, 0.1, 0.01, 0.1, 1e-10, false),
    OptimizerHyperparameters.adadelta(1.0, 0.9, 1e-6, 0.01, false),
  };
  private static final OptimizerKind[] KINDS = {
    OptimizerKind.SGD, OptimizerKind.SGD, OptimizerKind.SGD, OptimizerKind.ADAM,
    OptimizerKind.ADAMAX, OptimizerKind.NADAM, OptimizerKind.RMSPROP, OptimizerKind.ADAGRAD,
    OptimizerKind.ADADELTA,
  };

  private static double[] random(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble(-1, 1);
    }
    return v;
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  private static Object[] state(
      OptimizerKind kind, OptimizerHyperparameters h, int n, boolean f32) {
    Object[] s = new Object[kind.stateCount()];
    for (int i = 0; i < s.length; i++) {
      if (kind.usesState(i, h)) {
        double[] d = new double[n];
        java.util.Arrays.fill(d, kind.initialState(i, h));
        s[i] = f32 ? toFloat(d) : d;
      }
    }
    return s;
  }

  @Test
  void float32FollowsFloat64() {
    for (int n : new int[] {1, 7, 31, 1000}) {
      for (int c = 0; c < CONFIGS.length; c++) {
        var h = CONFIGS[c];
        var kind = KINDS[c];
        double[] p64 = random(n, n);
        float[] p32 = toFloat(p64);
        Object[] s64 = state(kind, h, n, false);
        Object[] s32 = state(kind, h, n, true);
        for (int t = 1; t <= 5; t++) {
          double[] g = random(1000L * t + n, n);
          OptimizerKernels.update(kind, h, t, p64, 0, g, 0, s64, 0, n);
          OptimizerKernels.update(kind, h, t, p32, 0, toFloat(g), 0, s32, 0, n);
        }
        for (int i = 0; i < n; i++) {
          assertEquals(
              p64[i],
              p32[i],
              1e-5 * Math.max(1, Math.abs(p64[i])),
              kind + " #" + c + " n=" + n + " i=" + i);
        }
      }
    }
  }

  @Test
  void anySplitGivesTheSameBitsAndOffsetsAreHonoured() {
    int n = 37;
    for (int c = 0; c < CONFIGS.length; c++) {
      var h = CONFIGS[c];
      var kind = KINDS[c];
      float[] whole = toFloat(random(c, n));
      float[] parts = new float[n + 5];
      System.arraycopy(whole, 0, parts, 5, n);
      float[] g = toFloat(random(c + 100, n));
      float[] gShifted = new float[n + 3];
      System.arraycopy(g, 0, gShifted, 3, n);
      Object[] s1 = state(kind, h, n, true);
      Object[] s2 = state(kind, h, n, true);
      for (int t = 1; t <= 3; t++) {
        OptimizerKernels.update(kind, h, t, whole, 0, g, 0, s1, 0, n);
        OptimizerKernels.update(kind, h, t, parts, 5, gShifted, 3, s2, 0, 10);
        OptimizerKernels.update(kind, h, t, parts, 5, gShifted, 3, s2, 10, 11);
        OptimizerKernels.update(kind, h, t, parts, 5, gShifted, 3, s2, 11, n);
      }
      assertArrayEquals(whole, java.util.Arrays.copyOfRange(parts, 5, n + 5), kind + " #" + c);
    }
  }

  @Test
  void theBackendSplitsLargeParametersWithoutChangingBits() {
    int n = 200_003; // large enough for the pool, prime so the pieces are uneven
    var h = CONFIGS[3];
    CpuBackend one = new CpuBackend(1);
    CpuBackend three = CpuTestBackends.SHARED;
    float[][] results = new float[2][];
    CpuBackend[] backends = {one, three};
    for (int b = 0; b < 2; b++) {
      CpuBackend be = backends[b];
      Storage p = be.allocate(DType.FLOAT32, n);
      Storage g = be.allocate(DType.FLOAT32, n);
      be.copyFromHost(toFloat(random(1, n)), 0, p, 0, n);
      be.copyFromHost(toFloat(random(2, n)), 0, g, 0, n);
      Storage[] st = new Storage[3];
      for (int i = 0; i < 3; i++) {
        st[i] = be.allocate(DType.FLOAT32, n);
        be.copyFromHost(new float[n], 0, st[i], 0, n);
      }
      for (int t = 1; t <= 2; t++) {
        be.optimizerUpdate(OptimizerKind.ADAM, h, t, p, 0, g, 0, st, n);
      }
      results[b] = new float[n];
      be.copyToHost(p, 0, results[b], 0, n);
    }
    one.close();
    assertArrayEquals(results[0], results[1]);
  }

  @Test
  void argumentsAreChecked() {
    var h = OptimizerHyperparameters.adam(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false);
    double[] p = new double[4];
    var missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OptimizerKernels.update(
                    OptimizerKind.ADAM, h, 1, p, 0, new double[4], 0, new Object[3], 0, 4));
    assertTrue(missing.getMessage().contains("exp_avg"), missing.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            OptimizerKernels.update(
                OptimizerKind.ADAM,
                h,
                0,
                p,
                0,
                new double[4],
                0,
                state(OptimizerKind.ADAM, h, 4, false),
                0,
                4));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            OptimizerKernels.update(
                OptimizerKind.ADAM,
                h,
                1,
                p,
                0,
                new float[4],
                0,
                state(OptimizerKind.ADAM, h, 4, false),
                0,
                4));
    // The backend's arguments: BackendArgumentConformanceTest#optimizerUpdate.
  }
}
