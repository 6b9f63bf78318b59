package io.myelin;

import io.myelin.backend.GemmOperand;
import java.util.Arrays;

/** Matrix products on the backend GEMM, with their gradients. */
final class LinearAlgebra {
  private LinearAlgebra() {}

  static Tensor matmul(Tensor a, Tensor b) {
    a.checkCompatible("matmul", b);
    Tensor.checkFloating("matmul", a.dtype());
    if (a.rank() == 0 || b.rank() == 0) {
      throw new ShapeMismatchException(
          "matmul: both operands need at least 1 dim, got "
              + Shapes.str(a.layout().shape())
              + " and "
              + Shapes.str(b.layout().shape()));
    }
    // 1-D operands as in NumPy: a vector on the left is a row, on the right a column; the
    // added dim is removed from the result.
    if (a.rank() == 1 && b.rank() == 1) {
      return matmul2(a.unsqueeze(0), b.unsqueeze(1)).reshape();
    }
    if (a.rank() == 1) {
      return matmul2(a.unsqueeze(0), b).squeeze(-2);
    }
    if (b.rank() == 1) {
      return matmul2(a, b.unsqueeze(1)).squeeze(-1);
    }
    return matmul2(a, b);
  }

  /** Both operands have rank >= 2. */
  private static Tensor matmul2(Tensor a, Tensor b) {
    int[] as = a.layout().shape();
    int[] bs = b.layout().shape();
    int m = as[as.length - 2];
    int k = as[as.length - 1];
    int k2 = bs[bs.length - 2];
    int n = bs[bs.length - 1];
    if (k != k2) {
      throw new ShapeMismatchException(
          "matmul: shapes "
              + Shapes.str(as)
              + " and "
              + Shapes.str(bs)
              + " do not fit (inner dims "
              + k
              + " and "
              + k2
              + ")");
    }
    int[] batch =
        Shapes.broadcast(
            "matmul", Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
    int batchCount = Shapes.product(batch, 0, batch.length);
    int[] outShape = Arrays.copyOf(batch, batch.length + 2);
    outShape[batch.length] = m;
    outShape[batch.length + 1] = n;
    Tensor out = Tensor.empty(a.device(), a.dtype(), outShape);
    if (out.numel() > 0) {
      if (k == 0) {
        a.backend().fill(out.storage(), out.layout(), 0);
      } else {
        Tensor ac = operandTensor(a, batch, m, k);
        Tensor bc = operandTensor(b, batch, k, n);
        a.backend()
            .gemm(
                batchCount,
                m,
                n,
                k,
                1.0,
                operand(ac, batch),
                operand(bc, batch),
                0.0,
                new GemmOperand(out.storage(), 0, n, m * n, false));
        closeIfCopy(ac, a);
        closeIfCopy(bc, b);
      }
    }
    // d(AB)/dA = G B^T, d(AB)/dB = A^T G, summed over broadcast batch dims.
    return Tensor.record(
        "matmul",
        out,
        g ->
            new Tensor[] {
              a.requiresGrad() ? Elementwise.sumToShape(gradLeft(g, a, b), as) : null,
              b.requiresGrad() ? Elementwise.sumToShape(gradRight(g, a, b), bs) : null
            },
        t -> {
          // d(AB) = dA B + A dB.
          Tensor left = t[0] == null ? null : t[0].matmul(b);
          Tensor right = t[1] == null ? null : a.matmul(t[1]);
          return left == null ? right : right == null ? left : left.add(right);
        },
        a,
        b);
  }

  /**
   * {@code G B^T}; for a transposed matrix view A (as {@code x.matmul(w.t())} makes of W when W is
   * on the left) computed as {@code (B G^T)^T}, so the gradient has A's own layout and flows back
   * through the transpose to a contiguous gradient of W: no strided copy when it accumulates.
   */
  private static Tensor gradLeft(Tensor g, Tensor a, Tensor b) {
    return isTransposedMatrix(a, b)
        ? transposedOnly(b.matmul(g.transpose(-2, -1)))
        : g.matmul(b.transpose(-2, -1));
  }

  /**
   * {@code A^T G}; for a transposed matrix view B (a Linear's {@code W^T}) as {@code (G^T A)^T}.
   */
  private static Tensor gradRight(Tensor g, Tensor a, Tensor b) {
    return isTransposedMatrix(b, a)
        ? transposedOnly(g.transpose(-2, -1).matmul(a))
        : a.transpose(-2, -1).matmul(g);
  }

  /**
   * A transposed view of {@code t} that is then the only reference to its memory ({@code t} is
   * closed): so a weight's gradient reaches its leaf unshared and is kept there without a copy
   * (Tensor#accumulateGrad). Only for a gradient computed under no-grad, as backward() runs them;
   * with a recorded graph (higher-order gradients) {@code t} stays open, as the graph needs it.
   */
  private static Tensor transposedOnly(Tensor t) {
    Tensor v = t.transpose(-2, -1);
    if (!t.requiresGrad()) {
      t.close();
    }
    return v;
  }

  /** Whether {@code t} is a 2-D column-major view and {@code other} 2-D (no batch dims). */
  private static boolean isTransposedMatrix(Tensor t, Tensor other) {
    if (t.rank() != 2 || other.rank() != 2) {
      return false;
    }
    int[] s = t.layout().shape();
    int[] st = t.layout().strides();
    return s[0] > 1 && s[1] > 1 && st[0] == 1 && st[1] >= s[0];
  }

  private static void closeIfCopy(Tensor used, Tensor original) {
    if (used != original) {
      used.close();
    }
  }

  /** {@code t}, or a contiguous copy when its layout cannot be passed to the GEMM as is. */
  private static Tensor operandTensor(Tensor t, int[] batch, int rows, int cols) {
    Layout l = expanded(t, batch);
    if (batchStride(l, batch.length) >= 0 && matrixForm(l, rows, cols) != null) {
      return t;
    }
    // Materialise the broadcast operand: a contiguous [batch..., rows, cols] copy always fits.
    try (var ignored = io.myelin.autograd.Autograd.noGrad()) {
      Tensor view = t.viewOf(l);
      Tensor copy = Copies.copy(view);
      view.close();
      return copy;
    }
  }

  private static GemmOperand operand(Tensor t, int[] batch) {
    Layout l = expanded(t, batch);
    int rows = l.shape()[l.rank() - 2];
    int cols = l.shape()[l.rank() - 1];
    int bstride = batchStride(l, batch.length);
    int[] form = matrixForm(l, rows, cols);
    if (bstride < 0 || form == null) {
      Layout c = Layout.contiguous(l.shape());
      throw new IllegalStateException(
          "internal: operand layout " + l + " not usable; expected " + c);
    }
    return new GemmOperand(t.storage(), l.offset(), form[0], bstride, form[1] == 1);
  }

  private static Layout expanded(Tensor t, int[] batch) {
    int[] s = t.layout().shape();
    int[] target = Arrays.copyOf(batch, batch.length + 2);
    target[batch.length] = s[s.length - 2];
    target[batch.length + 1] = s[s.length - 1];
    return Shapes.expand("matmul", t.layout(), target);
  }

  /** One stride that walks every batch entry, or -1 when the batch dims do not flatten. */
  private static int batchStride(Layout l, int batchRank) {
    int stride = -1;
    long expectNext = -1;
    for (int i = batchRank - 1; i >= 0; i--) {
      int size = l.shape()[i];
      int st = l.strides()[i];
      if (size == 1) {
        continue;
      }
      if (stride < 0) {
        stride = st;
        expectNext = (long) st * size;
      } else if (st != expectNext || (stride == 0) != (st == 0)) {
        return -1;
      } else {
        expectNext = (long) st * size;
      }
    }
    return Math.max(stride, 0);
  }

  /** {ld, transposed?1:0} for the matrix dims of {@code l}, or null if neither form fits. */
  private static int[] matrixForm(Layout l, int rows, int cols) {
    int s0 = l.strides()[l.rank() - 2];
    int s1 = l.strides()[l.rank() - 1];
    if ((s1 == 1 || cols == 1) && (rows == 1 || s0 >= Math.max(cols, 1))) {
      return new int[] {rows == 1 ? Math.max(cols, 1) : s0, 0};
    }
    if ((s0 == 1 || rows == 1) && (cols == 1 || s1 >= Math.max(rows, 1))) {
      return new int[] {cols == 1 ? Math.max(rows, 1) : s1, 1};
    }
    return null;
  }
}
