package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The element-wise kernels' scalar loops for small calls ({@link ScalarPath}) against their Vector
 * API bodies, bit for bit: the same inputs (random values with NaN, infinities, signed zeros and
 * subnormals mixed in) once in a call large enough for the vector path and once, a prefix of them,
 * in a call small enough for the scalar path. Each element must come out with the same bits either
 * way, so that the size threshold is a speed knob only. (NaN counts as one value: the sign and
 * payload of a NaN result follow the instruction that made it, vector or scalar, and carry no
 * meaning.)
 */
class ScalarPathBitsTest {
  private static final int LARGE = ScalarPath.ELEMENTS + 37;
  private static final int SMALL = 1003;

  private final CpuBackend be = new CpuBackend(2);
  private final SplittableRandom random = new SplittableRandom(23);

  private float[] values(int n) {
    float[] special = {
      Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -1e-40f
    };
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] =
          random.nextInt(10) == 0
              ? special[random.nextInt(special.length)]
              : (float) (random.nextDouble() * 6 - 3);
    }
    return v;
  }

  private Storage floats(float[] v) {
    Storage s = be.allocate(DType.FLOAT32, v.length);
    be.copyFromHost(v, 0, s, 0, v.length);
    return s;
  }

  private float[] read(Storage s, int n) {
    float[] v = new float[n];
    be.copyToHost(s, 0, v, 0, n);
    return v;
  }

  private static void sameBits(float[] large, float[] small, String what) {
    for (int i = 0; i < small.length; i++) {
      int at = i;
      assertEquals(
          Float.floatToIntBits(large[i]),
          Float.floatToIntBits(small[i]),
          () -> what + " element " + at + ": " + large[at] + " vs " + small[at]);
    }
  }

  @Test
  void thresholdSplitsTheTwoSizes() {
    assertTrue(ScalarPath.small(SMALL) && !ScalarPath.small(LARGE), "default threshold");
  }

  @Test
  void unaryForward() {
    float[] x = values(LARGE);
    UnaryOp[] ops = {
      UnaryOp.IDENTITY,
      UnaryOp.NEG,
      UnaryOp.ABS,
      UnaryOp.SQUARE,
      UnaryOp.SQRT,
      UnaryOp.RECIPROCAL,
      UnaryOp.RELU,
      UnaryOp.LEAKY_RELU,
      UnaryOp.ADD_SCALAR,
      UnaryOp.MUL_SCALAR
    };
    for (UnaryOp op : ops) {
      float[][] out = new float[2][];
      int[] sizes = {LARGE, SMALL};
      for (int s = 0; s < 2; s++) {
        int n = sizes[s];
        Storage xs = floats(x);
        Storage ys = be.allocate(DType.FLOAT32, n);
        be.unary(op, 0.37, 0, xs, Layout.contiguous(n), ys, Layout.contiguous(n));
        out[s] = read(ys, n);
      }
      sameBits(out[0], out[1], op.toString());
    }
  }

  @Test
  void unaryBackward() {
    float[] x = values(LARGE);
    float[] y = values(LARGE);
    float[] gy = values(LARGE);
    UnaryOp[] ops = {UnaryOp.RELU, UnaryOp.LEAKY_RELU, UnaryOp.SIGMOID, UnaryOp.TANH, UnaryOp.EXP};
    for (UnaryOp op : ops) {
      float[][] out = new float[2][];
      int[] sizes = {LARGE, SMALL};
      for (int s = 0; s < 2; s++) {
        int n = sizes[s];
        Storage gx = be.allocate(DType.FLOAT32, n);
        be.unaryBackward(op, 0.21, 0, floats(x), 0, floats(y), 0, floats(gy), 0, gx, 0, n);
        out[s] = read(gx, n);
      }
      sameBits(out[0], out[1], op + " backward");
    }
  }

  @Test
  void binaryDenseAndBroadcastScalar() {
    float[] x = values(LARGE);
    float[] y = values(LARGE);
    BinaryOp[] ops = {
      BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM, BinaryOp.MINIMUM
    };
    for (BinaryOp op : ops) {
      // y dense, y one element broadcast, x one element broadcast
      for (int form = 0; form < 3; form++) {
        float[][] out = new float[2][];
        int[] sizes = {LARGE, SMALL};
        for (int s = 0; s < 2; s++) {
          int n = sizes[s];
          Layout dense = Layout.contiguous(n);
          Layout scalar = new Layout(new int[] {n}, new int[] {0}, 5);
          Storage o = be.allocate(DType.FLOAT32, n);
          be.binary(
              op,
              floats(x),
              form == 2 ? scalar : dense,
              floats(y),
              form == 1 ? scalar : dense,
              o,
              dense);
          out[s] = read(o, n);
        }
        sameBits(out[0], out[1], op + " form " + form);
      }
    }
  }

  @Test
  void binaryRowBroadcast() {
    int cols = 20;
    float[] x = values(LARGE / cols * cols);
    float[] row = values(cols);
    for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV}) {
      float[][] out = new float[2][];
      int[] rows = {LARGE / cols, SMALL / cols};
      for (int s = 0; s < 2; s++) {
        int r = rows[s];
        Layout dl = Layout.contiguous(r, cols);
        Layout rl = new Layout(new int[] {r, cols}, new int[] {0, 1}, 0);
        Storage o = be.allocate(DType.FLOAT32, r * cols);
        be.binary(op, floats(x), dl, floats(row), rl, o, dl);
        out[s] = read(o, r * cols);
      }
      sameBits(out[0], out[1], op + " row broadcast");
    }
  }
}
