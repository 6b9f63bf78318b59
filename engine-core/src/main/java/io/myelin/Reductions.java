package io.myelin;

import io.myelin.autograd.Autograd;
import io.myelin.autograd.ForwardAD;
import io.myelin.backend.ReduceOp;
import java.util.Arrays;

/** Reductions and softmax, with their gradients. */
final class Reductions {
  private Reductions() {}

  /** Sorted unique normalised dims; null or empty means every dim. */
  static int[] normaliseDims(String op, int[] dims, int rank) {
    if (dims == null || dims.length == 0) {
      int[] all = new int[rank];
      for (int i = 0; i < rank; i++) {
        all[i] = i;
      }
      return all;
    }
    boolean[] seen = new boolean[Math.max(rank, 1)];
    for (int d : dims) {
      int n = Shapes.dim(op, d, rank);
      if (seen[n]) {
        throw new IllegalArgumentException(op + ": dim " + d + " repeated in " + Shapes.str(dims));
      }
      seen[n] = true;
    }
    int[] out = new int[dims.length];
    int j = 0;
    for (int i = 0; i < seen.length; i++) {
      if (seen[i]) {
        out[j++] = i;
      }
    }
    return rank == 0 ? new int[0] : Arrays.copyOf(out, j);
  }

  static Tensor reduce(Tensor x, ReduceOp op, int[] dimsIn, boolean keepDim) {
    String name = op.kernelName();
    x.checkOpen();
    Tensor.checkFloating(name, x.dtype());
    int rank = x.rank();
    int[] dims = normaliseDims(name, dimsIn, rank);
    int[] shape = x.layout().shape();
    boolean[] reduced = new boolean[rank];
    for (int d : dims) {
      reduced[d] = true;
    }
    int r = 1;
    for (int d : dims) {
      r *= shape[d];
    }
    int[] keepShape = shape.clone();
    for (int d : dims) {
      keepShape[d] = 1;
    }
    int[] outShape = keepDim ? keepShape : dropReduced(shape, reduced);
    var outDtype = op.producesIndices() ? DType.INT32 : x.dtype();
    Tensor out = Tensor.empty(x.device(), outDtype, outShape);
    int outerInner = out.numel();
    if (r == 0 && op != ReduceOp.SUM && op != ReduceOp.MEAN) {
      if (outerInner > 0) {
        throw new IllegalArgumentException(
            name + ": cannot reduce an empty dim (shape " + Shapes.str(shape) + ")");
      }
    } else if (outerInner > 0) {
      if (r == 0) {
        x.backend().fill(out.storage(), out.layout(), op == ReduceOp.SUM ? 0 : Double.NaN);
      } else {
        runReduce(x, op, dims, reduced, out);
      }
    }
    if (op.producesIndices()) {
      return out;
    }
    int count = r;
    return Tensor.record(
        name,
        out,
        g -> {
          Tensor gk = g.reshape(keepShape);
          Tensor gx =
              switch (op) {
                case SUM -> gk.expand(shape); // d sum / dx = 1
                case MEAN -> gk.div(count).expand(shape); // d mean / dx = 1/n
                default -> { // max/min: to the extreme(s)
                  Tensor mask = x.eq(out.reshape(keepShape));
                  yield mask.mul(gk.div(mask.sum(dims, true)));
                }
              };
          return new Tensor[] {gx};
        },
        t ->
            switch (op) {
              case SUM, MEAN -> reduce(t[0], op, dims, keepDim); // linear: the same reduction
              default -> { // the extreme's tangent (tie mean)
                Tensor mask = x.eq(out.reshape(keepShape));
                yield mask.mul(t[0]).sum(dims, keepDim).div(mask.sum(dims, keepDim));
              }
            },
        x);
  }

  private static void runReduce(Tensor x, ReduceOp op, int[] dims, boolean[] reduced, Tensor out) {
    int rank = x.rank();
    int[] shape = x.layout().shape();
    boolean adjacent = dims.length == 0 || dims[dims.length - 1] - dims[0] == dims.length - 1;
    if (adjacent && x.isContiguous()) {
      int first = dims.length == 0 ? rank : dims[0];
      int last = dims.length == 0 ? rank : dims[dims.length - 1] + 1;
      int outer = Shapes.product(shape, 0, first);
      int red = Shapes.product(shape, first, last);
      int inner = Shapes.product(shape, last, rank);
      x.backend().reduce(op, x.storage(), x.layout().offset(), outer, red, inner, out.storage(), 0);
      return;
    }
    // Move the reduced dims last, make that contiguous, reduce rows.
    int[] order = new int[rank];
    int j = 0;
    for (int i = 0; i < rank; i++) {
      if (!reduced[i]) {
        order[j++] = i;
      }
    }
    for (int d : dims) {
      order[j++] = d;
    }
    try (var ignored = io.myelin.autograd.Autograd.noGrad()) {
      Tensor p = x.permute(order);
      Tensor c = Copies.copy(p);
      int red = 1;
      for (int d : dims) {
        red *= shape[d];
      }
      x.backend()
          .reduce(op, c.storage(), 0, c.numel() / Math.max(red, 1), red, 1, out.storage(), 0);
      c.close();
      p.close();
    }
  }

  private static int[] dropReduced(int[] shape, boolean[] reduced) {
    int n = 0;
    for (boolean b : reduced) {
      n += b ? 0 : 1;
    }
    int[] out = new int[n];
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (!reduced[i]) {
        out[j++] = shape[i];
      }
    }
    return out;
  }

  /** var = sum((x - mean)^2) / (n - correction), composed so autograd handles it. */
  static Tensor var(Tensor x, int[] dims, boolean keepDim, int correction) {
    int[] d = normaliseDims("var", dims, x.rank());
    int n = 1;
    for (int i : d) {
      n *= x.layout().shape()[i];
    }
    if (correction < 0) {
      throw new IllegalArgumentException("var: correction must be >= 0, got " + correction);
    }
    Tensor centered = x.sub(x.mean(d, true));
    return centered.square().sum(d, keepDim).div(Math.max(n - correction, 0));
  }

  static Tensor softmax(Tensor x, int dim, boolean log) {
    String name = log ? "logSoftmax" : "softmax";
    x.checkOpen();
    Tensor.checkFloating(name, x.dtype());
    if (x.rank() == 0) {
      return softmax(x.reshape(1), 0, log).reshape();
    }
    int d = Shapes.dim(name, dim, x.rank());
    int last = x.rank() - 1;
    if (d != last) {
      return softmax(x.transpose(d, last), last, log).transpose(d, last);
    }
    Tensor xc = x.contiguous();
    int cols = x.layout().shape()[last];
    int rows = cols == 0 ? 0 : x.numel() / cols;
    Tensor y = Tensor.empty(x.device(), x.dtype(), x.layout().shape());
    if (x.numel() > 0) {
      x.backend().softmax(log, xc.storage(), xc.layout().offset(), rows, cols, y.storage(), 0);
    }
    if (xc != x) {
      xc.close();
    }
    // softmax: gx = y (g - sum(g y)); log-softmax: gx = g - exp(y) sum(g). The fused kernel
    // serves the ordinary backward; recorded backwards (createGraph) and forward over reverse
    // take the tensor-op form, which is differentiable again.
    // Tangent: softmax's Jacobian diag(y) - y y^T is symmetric, so ty = y (tx - sum(tx y));
    // log-softmax's is I - 1 softmax^T, so ty = tx - sum(exp(y) tx).
    return Tensor.record(
        name,
        y,
        g -> {
          if (Autograd.isGradEnabled() || ForwardAD.isPropagating()) {
            Tensor gx =
                log ? g.sub(y.exp().mul(g.sum(-1, true))) : y.mul(g.sub(g.mul(y).sum(-1, true)));
            return new Tensor[] {gx};
          }
          Tensor gc = g.contiguous();
          Tensor gx = Tensor.empty(x.device(), x.dtype(), x.layout().shape());
          if (gx.numel() > 0) {
            x.backend()
                .softmaxBackward(
                    log,
                    y.storage(),
                    0,
                    gc.storage(),
                    gc.layout().offset(),
                    gx.storage(),
                    0,
                    rows,
                    cols);
          }
          return new Tensor[] {gx};
        },
        t ->
            log
                ? t[0].sub(y.exp().mul(t[0]).sum(-1, true))
                : y.mul(t[0].sub(t[0].mul(y).sum(-1, true))),
        x);
  }
}
