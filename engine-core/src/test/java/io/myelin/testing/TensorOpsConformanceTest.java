package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.ShapeMismatchException;
import io.myelin.Tensor;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Forward results of the Tensor ops on the device under test against plain double loops ({@link
 * Ref}) and the op enums' double references, on seeded random inputs with awkward sizes and
 * broadcasting. Tolerances: 1e-5 relative element-wise, 1e-4 for GEMM and reductions (f32).
 */
public abstract class TensorOpsConformanceTest extends DeviceTestBase {
  private static final double EW = 1e-5;
  private static final double RED = 1e-4;

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void unaryOpsMatchTheirReference(UnaryOp op) {
    for (int n : new int[] {1, 7, 16, 97, 1031}) {
      boolean positive =
          op == UnaryOp.LOG
              || op == UnaryOp.SQRT
              || op == UnaryOp.RECIPROCAL
              || op == UnaryOp.POW_SCALAR;
      float[] x = randomFloats(n * 31L + op.ordinal(), n, positive ? 0.1 : -4, 4);
      double a = op == UnaryOp.CLAMP ? -0.7 : op == UnaryOp.POW_SCALAR ? 1.7 : 0.3;
      double b = op == UnaryOp.CLAMP ? 0.9 : 0;
      Tensor t = Tensor.of(x, n).map(op, a, b);
      double[] expected = new double[n];
      for (int i = 0; i < n; i++) {
        expected[i] = op.apply(x[i], a, b);
      }
      assertClose(expected, t.toFloatArray(), EW, op + " n=" + n);
    }
  }

  @ParameterizedTest
  @EnumSource(BinaryOp.class)
  void binaryOpsBroadcastLikeNumpy(BinaryOp op) {
    int[][][] cases = {
      {{5, 3}, {5, 3}},
      {{4, 1}, {1, 7}},
      {{2, 3, 17}, {17}},
      {{1}, {3, 2, 2}},
      {{13, 1, 5}, {1, 2, 5}},
      {{}, {3, 4}}
    };
    long seed = 100 + op.ordinal();
    for (int[][] c : cases) {
      int na = Ref.numel(c[0]);
      int nb = Ref.numel(c[1]);
      boolean pow = op == BinaryOp.POW;
      float[] av = randomFloats(seed++, na, pow ? 0.2 : -3, 3);
      float[] bv = randomFloats(seed++, nb, pow ? -2 : -3, pow ? 2 : 3);
      if (op.isComparison() && na > 1 && nb > 0) {
        av[1] = bv[0]; // make sure ties are exercised
      }
      Tensor r = Tensor.of(av, c[0]).apply(op, Tensor.of(bv, c[1]));
      assertArrayEquals(Ref.broadcastShape(c[0], c[1]), r.shape(), op + " shape");
      double[] expected =
          Ref.binary(
              toDouble(av), c[0], toDouble(bv), c[1], (x, y) -> op.apply((float) x, (float) y));
      assertClose(expected, r.toFloatArray(), EW, op + " " + java.util.Arrays.deepToString(c));
    }
  }

  @Test
  void binaryOpsOnStridedViews() {
    float[] av = randomFloats(1, 6 * 5, -1, 1);
    float[] bv = randomFloats(2, 5 * 6, -1, 1);
    Tensor a = Tensor.of(av, 6, 5);
    Tensor b = Tensor.of(bv, 5, 6).t(); // non-contiguous [6, 5]
    double[] bt = Ref.transposeLast(toDouble(bv), new int[] {5, 6});
    double[] expected =
        Ref.binary(toDouble(av), new int[] {6, 5}, bt, new int[] {6, 5}, (x, y) -> x * y);
    assertClose(expected, a.mul(b).toFloatArray(), EW, "mul with transposed view");
    Tensor narrowed = a.narrow(1, 1, 3).add(1.0);
    float[] n = narrowed.toFloatArray();
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 3; j++) {
        assertEquals(av[i * 5 + j + 1] + 1.0, n[i * 3 + j], 1e-6);
      }
    }
  }

  @Test
  void matmulMatchesLoopsForAwkwardShapes() {
    int[][] shapes = {{1, 1, 1}, {7, 13, 5}, {17, 1, 9}, {33, 65, 31}, {64, 64, 64}, {3, 257, 2}};
    long seed = 7;
    for (int[] s : shapes) {
      int m = s[0];
      int k = s[1];
      int n = s[2];
      float[] a = randomFloats(seed++, m * k, -1, 1);
      float[] b = randomFloats(seed++, k * n, -1, 1);
      double[] expected = Ref.matmul(toDouble(a), new int[] {m, k}, toDouble(b), new int[] {k, n});
      Tensor c = Tensor.of(a, m, k).matmul(Tensor.of(b, k, n));
      assertArrayEquals(new int[] {m, n}, c.shape());
      assertClose(expected, c.toFloatArray(), RED, "matmul " + m + "x" + k + "x" + n);
      // The same product through transposed views (passed to the GEMM without a copy).
      Tensor at =
          Tensor.of(Ref.transposeLast(toDouble(a), new int[] {m, k}), k, m).to(DType.FLOAT32).t();
      Tensor bt =
          Tensor.of(Ref.transposeLast(toDouble(b), new int[] {k, n}), n, k).to(DType.FLOAT32).t();
      assertClose(
          expected,
          at.matmul(bt).toFloatArray(),
          RED,
          "matmul transposed " + m + "x" + k + "x" + n);
    }
  }

  @Test
  void batchedMatmulBroadcastsBatchDims() {
    int[] as = {3, 1, 4, 6};
    int[] bs = {5, 6, 2};
    float[] a = randomFloats(11, Ref.numel(as), -1, 1);
    float[] b = randomFloats(12, Ref.numel(bs), -1, 1);
    Tensor c = Tensor.of(a, as).matmul(Tensor.of(b, bs));
    assertArrayEquals(new int[] {3, 5, 4, 2}, c.shape());
    assertClose(
        Ref.matmul(toDouble(a), as, toDouble(b), bs), c.toFloatArray(), RED, "batched matmul");
  }

  @Test
  void matmulWithVectorsFollowsNumpy() {
    float[] a = randomFloats(3, 12, -1, 1);
    float[] v = randomFloats(4, 4, -1, 1);
    Tensor mv = Tensor.of(a, 3, 4).matmul(Tensor.of(v, 4));
    assertArrayEquals(new int[] {3}, mv.shape());
    assertClose(
        Ref.matmul(toDouble(a), new int[] {3, 4}, toDouble(v), new int[] {4, 1}),
        mv.toFloatArray(),
        RED,
        "matrix-vector");
    Tensor dot = Tensor.of(v, 4).matmul(Tensor.of(v, 4));
    double d = 0;
    for (float x : v) {
      d += (double) x * x;
    }
    assertEquals(0, dot.rank());
    assertEquals(d, dot.item(), 1e-5);
  }

  @Test
  void matmulRejectsMismatchedInnerDims() {
    var e =
        assertThrows(
            ShapeMismatchException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
    assertTrue(
        e.getMessage().contains("matmul")
            && e.getMessage().contains("[2, 3]")
            && e.getMessage().contains("[4, 5]"),
        e.getMessage());
  }

  @Test
  void reductionsOverAnyDims() {
    int[] shape = {3, 5, 7, 2};
    float[] v = randomFloats(21, Ref.numel(shape), -2, 2);
    int[][] dimSets = {{0}, {1}, {3}, {1, 2}, {0, 2}, {0, 1, 2, 3}, {0, 3}};
    for (int[] dims : dimSets) {
      for (String kind : new String[] {"sum", "mean", "max", "min"}) {
        Tensor t = Tensor.of(v, shape);
        Tensor r =
            switch (kind) {
              case "sum" -> t.sum(dims, true);
              case "mean" -> t.mean(dims, true);
              case "max" -> dims.length == 1 ? t.max(dims[0], true) : null;
              default -> dims.length == 1 ? t.min(dims[0], true) : null;
            };
        if (r == null) {
          continue;
        }
        assertClose(
            Ref.reduce(toDouble(v), shape, dims, kind),
            r.toFloatArray(),
            RED,
            kind + " over " + java.util.Arrays.toString(dims));
      }
    }
    Tensor t = Tensor.of(v, shape);
    assertArrayEquals(new int[] {3, 2}, t.sum(new int[] {1, 2}, false).shape());
    assertEquals(0, t.sum().rank());
    assertEquals(
        Ref.reduce(toDouble(v), shape, new int[] {0, 1, 2, 3}, "sum")[0], t.sum().item(), 1e-3);
  }

  @Test
  void reductionsOfTransposedViewsAndLargeRows() {
    float[] v = randomFloats(31, 129 * 1000, -1, 1);
    Tensor t = Tensor.of(v, 129, 1000);
    assertClose(
        Ref.reduce(toDouble(v), new int[] {129, 1000}, new int[] {1}, "sum"),
        t.sum(1, false).toFloatArray(),
        RED,
        "row sums");
    Tensor tt = t.t(); // [1000, 129] view
    assertClose(
        Ref.reduce(toDouble(v), new int[] {129, 1000}, new int[] {1}, "mean"),
        tt.mean(0, false).toFloatArray(),
        RED,
        "mean over dim 0 of a transposed view");
  }

  @Test
  void argmaxTakesTheFirstOfTies() {
    Tensor t = Tensor.of(new float[] {1, 5, 5, 2, -1, -3, -1, -2}, 2, 4);
    assertArrayEquals(new int[] {1, 0}, t.argmax(1, false).toIntArray());
    assertArrayEquals(new int[] {0, 1}, t.argmin(1, false).toIntArray());
    float[] v = randomFloats(41, 11 * 13, -1, 1);
    int[] am = Tensor.of(v, 11, 13).argmax(0, false).toIntArray();
    for (int j = 0; j < 13; j++) {
      int best = 0;
      for (int i = 1; i < 11; i++) {
        if (v[i * 13 + j] > v[best * 13 + j]) {
          best = i;
        }
      }
      assertEquals(best, am[j], "column " + j);
    }
  }

  @Test
  void varianceMatchesTwoPassLoops() {
    float[] v = randomFloats(51, 9 * 4, -3, 3);
    Tensor t = Tensor.of(v, 9, 4);
    float[] unbiased = t.var(new int[] {0}, false, 1).toFloatArray();
    float[] population = t.var(new int[] {0}, false, 0).toFloatArray();
    for (int j = 0; j < 4; j++) {
      double mean = 0;
      for (int i = 0; i < 9; i++) {
        mean += v[i * 4 + j];
      }
      mean /= 9;
      double ss = 0;
      for (int i = 0; i < 9; i++) {
        ss += (v[i * 4 + j] - mean) * (v[i * 4 + j] - mean);
      }
      assertEquals(ss / 8, unbiased[j], 1e-5 * Math.max(1, ss / 8));
      assertEquals(ss / 9, population[j], 1e-5 * Math.max(1, ss / 9));
    }
  }

  @Test
  void softmaxAlongAnyDimIsStable() {
    int[] shape = {4, 3, 37};
    float[] v = randomFloats(61, Ref.numel(shape), -30, 30);
    v[0] = 1000f; // a logit that overflows exp() without max subtraction
    Tensor t = Tensor.of(v, shape);
    double[] expected = Ref.softmaxRows(toDouble(v), 12, 37, false);
    assertClose(expected, t.softmax(-1).toFloatArray(), EW, "softmax last dim");
    assertClose(
        Ref.softmaxRows(toDouble(v), 12, 37, true),
        t.logSoftmax(2).toFloatArray(),
        EW,
        "log-softmax last dim");
    // dim 1 via a permuted reference
    Tensor s1 = t.softmax(1).permute(0, 2, 1).contiguous();
    Tensor ref = t.permute(0, 2, 1).contiguous();
    assertClose(
        Ref.softmaxRows(toDouble(ref.toFloatArray()), 4 * 37, 3, false),
        s1.toFloatArray(),
        EW,
        "softmax dim 1");
  }

  @Test
  void viewsShareStorageAndCopiesDoNot() {
    Tensor t = Tensor.arange(24).reshape(2, 3, 4);
    assertTrue(t.permute(2, 0, 1).storage() == t.storage());
    assertArrayEquals(new int[] {4, 2, 3}, t.permute(2, 0, 1).shape());
    assertArrayEquals(
        new float[] {5, 6}, t.select(0, 0).select(0, 1).narrow(0, 1, 2).toFloatArray());
    assertArrayEquals(new int[] {2, 1, 3, 4}, t.unsqueeze(1).shape());
    assertArrayEquals(new int[] {2, 3, 4}, t.unsqueeze(1).squeeze(1).shape());
    assertArrayEquals(new int[] {6, 4}, t.flatten(0, 1).shape());
    Tensor perm = t.permute(1, 0, 2);
    float[] flat = perm.reshape(-1).toFloatArray(); // needs a copy: not viewable
    assertEquals(12f, flat[4]);
    assertThrows(IllegalArgumentException.class, () -> perm.view(24));
    Tensor e = Tensor.of(new float[] {1, 2, 3}, 3, 1).expand(3, 4);
    assertArrayEquals(new float[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, e.toFloatArray());
    Tensor c = Tensor.concat(1, Tensor.ones(2, 2), Tensor.zeros(2, 1), Tensor.full(7, 2, 3));
    assertArrayEquals(new float[] {1, 1, 0, 7, 7, 7, 1, 1, 0, 7, 7, 7}, c.toFloatArray());
    Tensor s = Tensor.stack(0, Tensor.arange(3), Tensor.arange(3).add(10));
    assertArrayEquals(new float[] {0, 1, 2, 10, 11, 12}, s.toFloatArray());
    assertArrayEquals(new int[] {2, 3}, s.shape());
  }

  @Test
  void castsAndCreation() {
    Tensor f = Tensor.of(new float[] {-1.7f, 2.5f, 3.99f}, 3);
    assertArrayEquals(new int[] {-1, 2, 3}, f.to(DType.INT32).toIntArray());
    assertArrayEquals(new double[] {-1.7f, 2.5f, 3.99f}, f.to(DType.FLOAT64).toDoubleArray());
    assertArrayEquals(new float[] {0, 2, 4}, Tensor.arange(0, 5, 2).toFloatArray());
    assertEquals(3.0, Tensor.full(3, 2, 2).sum().item() / 4);
    Tensor u = Tensor.rand(new Generator(5), 10_000);
    assertTrue(u.min().item() >= 0 && u.max().item() < 1);
    assertEquals(0.5, u.mean().item(), 0.02);
    Tensor n = Tensor.randn(new Generator(5), 10_000);
    assertEquals(0.0, n.mean().item(), 0.05);
    assertEquals(1.0, n.var(null, false, 1).item(), 0.05);
    assertArrayEquals(
        Tensor.randn(new Generator(9), 17).toFloatArray(),
        Tensor.randn(new Generator(9), 17).toFloatArray(),
        "same seed, same numbers");
  }

  @Test
  void whereSelectsWithBroadcast() {
    float[] xv = randomFloats(71, 12, -1, 1);
    Tensor x = Tensor.of(xv, 3, 4);
    Tensor r = Tensor.where(x.gt(0.0), x, Tensor.scalar(-5));
    float[] out = r.toFloatArray();
    for (int i = 0; i < 12; i++) {
      assertEquals(xv[i] > 0 ? xv[i] : -5f, out[i]);
    }
  }

  @Test
  void errorsNameTheOpAndShapes() {
    var e =
        assertThrows(ShapeMismatchException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
    assertTrue(
        e.getMessage().contains("add")
            && e.getMessage().contains("[2, 3]")
            && e.getMessage().contains("[4]"),
        e.getMessage());
    var d = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).sum(5, false));
    assertTrue(d.getMessage().contains("dim 5"), d.getMessage());
    var t =
        assertThrows(
            IllegalArgumentException.class,
            () -> Tensor.zeros(2).add(Tensor.zeros(DType.FLOAT64, 2)));
    assertTrue(t.getMessage().contains("f32") && t.getMessage().contains("f64"), t.getMessage());
    var i = assertThrows(IllegalStateException.class, () -> Tensor.zeros(3).item());
    assertTrue(i.getMessage().contains("3 elements"), i.getMessage());
  }

  @Test
  void toStringIsReadable() {
    String s = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).toString();
    assertTrue(s.startsWith("Tensor[2, 2] f32"), s);
    assertTrue(s.contains("[[1.0000, 2.0000],\n [3.0000, 4.0000]]"), s);
    String big = Tensor.zeros(100, 100).toString();
    assertTrue(big.contains("...") && big.length() < 2000, "large tensors are elided");
  }

  @Test
  void emptyTensorsFlowThrough() {
    Tensor e = Tensor.zeros(0, 3);
    assertEquals(0, e.add(1.0).numel());
    assertArrayEquals(new float[] {0, 0, 0}, e.sum(0, false).toFloatArray());
    assertArrayEquals(new int[] {5, 0}, Tensor.zeros(5, 0).matmul(Tensor.zeros(0, 0)).shape());
    assertArrayEquals(
        new float[] {0, 0, 0, 0}, Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 2)).toFloatArray());
  }
}
