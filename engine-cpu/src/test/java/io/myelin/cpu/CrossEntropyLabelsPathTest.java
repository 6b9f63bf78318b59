package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.DType;
import io.myelin.backend.CrossEntropyOptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The cross-entropy's path for class labels without weights or smoothing ({@code
 * CrossEntropyKernels.forwardLabels} / {@code backwardLabels}) against the general code on the same
 * inputs: with every class weight 1 the general code does the same double operations, so the
 * losses, the total and the gradients must have the same bits (NaN compared as one value). The
 * conformance suite ({@link CpuCrossEntropyTest}) checks both against the float64 reference.
 */
class CrossEntropyLabelsPathTest {
  private static final CpuBackend CPU = CpuTestBackends.SHARED;

  @Test
  void sameBitsAsTheGeneralCodeWithUnitWeights() {
    SplittableRandom random = new SplittableRandom(18);
    // rows x classes: awkward sizes, one class, a row count of 0
    int[][] shapes = {{614, 2}, {1, 1}, {7, 3}, {128, 10}, {33, 17}, {0, 4}};
    for (int[] shape : shapes) {
      for (boolean mean : new boolean[] {true, false}) {
        for (boolean perRow : new boolean[] {true, false}) {
          check(random, shape[0], shape[1], mean, perRow);
        }
      }
    }
  }

  private static void check(
      SplittableRandom random, int rows, int classes, boolean mean, boolean perRow) {
    String what = rows + "x" + classes + (mean ? " mean" : " sum") + (perRow ? " perRow" : "");
    CpuStorage x = storage(DType.FLOAT32, Math.max(1, rows * classes) + 3);
    float[] xf = x.floats();
    for (int i = 0; i < xf.length; i++) {
      // Large and tiny logits, ties, and the odd infinity.
      double u = random.nextDouble();
      xf[i] =
          u < 0.02
              ? Float.NEGATIVE_INFINITY
              : u < 0.05 ? xf[Math.max(0, i - 1)] : (float) (random.nextGaussian() * 30);
    }
    CpuStorage y = storage(DType.INT32, Math.max(1, rows) + 2);
    for (int r = 0; r < y.ints().length; r++) {
      double u = random.nextDouble();
      y.ints()[r] = u < 0.1 ? -100 : u < 0.13 ? classes + 1 : random.nextInt(classes);
    }
    CpuStorage ones = storage(DType.FLOAT32, classes);
    java.util.Arrays.fill(ones.floats(), 1f);
    var o = new CrossEntropyOptions(rows, classes, false, -100, 0.0, mean);
    int xo = 3;
    int yo = 2;
    float[][] losses = new float[2][];
    double[][] totals = new double[2][];
    float[][] grads = new float[2][];
    for (int path = 0; path < 2; path++) {
      CpuStorage weight = path == 0 ? null : ones;
      CpuStorage loss = storage(DType.FLOAT32, Math.max(1, rows) + 1);
      CpuStorage total = storage(DType.FLOAT64, 2);
      CrossEntropyKernels.forward(o, x, xo, y, yo, weight, loss, 1, total, 0);
      CpuStorage g = storage(DType.FLOAT32, Math.max(1, rows));
      for (int r = 0; r < g.floats().length; r++) {
        g.floats()[r] = (float) (0.5 + r % 3);
      }
      CpuStorage gx = storage(DType.FLOAT32, Math.max(1, rows * classes) + 1);
      java.util.Arrays.fill(gx.floats(), 7f); // every element must be written
      CrossEntropyKernels.backward(o, x, xo, y, yo, weight, g, 0, perRow, total, 0, gx, 1);
      losses[path] = loss.floats();
      totals[path] = total.doubles();
      grads[path] = gx.floats();
    }
    assertSameBits(losses[1], losses[0], what + " losses");
    assertSameBits(grads[1], grads[0], what + " gradients");
    for (int i = 0; i < 2; i++) {
      assertEquals(canonical(totals[1][i]), canonical(totals[0][i]), what + " total[" + i + "]");
    }
  }

  private static CpuStorage storage(DType dtype, int length) {
    return CpuStorage.of(CPU.allocate(dtype, length), CPU);
  }

  private static void assertSameBits(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(canonical(expected[i]), canonical(actual[i]), what + " at " + i);
    }
  }

  private static int canonical(float v) {
    return Float.isNaN(v) ? 0x7fc00000 : Float.floatToRawIntBits(v);
  }

  private static long canonical(double v) {
    return Double.isNaN(v) ? 0x7ff8000000000000L : Double.doubleToRawLongBits(v);
  }
}
