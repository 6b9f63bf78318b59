package io.myelin;

import io.myelin.backend.BinaryOp;
import io.myelin.backend.UnaryOp;

/** Element-wise maps with broadcasting, and their gradients. */
final class Elementwise {
  private Elementwise() {}

  static Tensor unary(Tensor x, UnaryOp op, double a, double b) {
    x.checkOpen();
    Tensor.checkFloating(op.kernelName(), x.dtype());
    Tensor y = Tensor.empty(x.device(), x.dtype(), x.layout().shape());
    if (x.numel() > 0) {
      x.backend().unary(op, a, b, x.storage(), x.layout(), y.storage(), y.layout());
    }
    // d/dx f(x) = f'(x, y): the backend computes gy * f' from the saved input and output. When
    // gradients are being recorded (a backward with createGraph) the ops with a rule in
    // secondOrder take it instead, so that gradient is differentiable again.
    boolean twice = hasSecondOrder(op);
    return recordUnary(op.kernelName(), twice, y, g -> {
      if (twice && io.myelin.autograd.Autograd.isGradEnabled()) {
        return new Tensor[] {secondOrder(op, a, x, y, g)};
      }
      Tensor xc = x.contiguous();
      Tensor gc = g.contiguous();
      Tensor gx = Tensor.empty(x.device(), x.dtype(), x.layout().shape());
      if (gx.numel() > 0) {
        x.backend().unaryBackward(
            op, a, b, xc.storage(), xc.layout().offset(), y.storage(), y.layout().offset(),
            gc.storage(), gc.layout().offset(), gx.storage(), 0, gx.numel());
      }
      return new Tensor[] {gx};
    }, x);
  }

  private static Tensor recordUnary(
      String name, boolean twice, Tensor y, io.myelin.autograd.BackwardFunction fn, Tensor x) {
    return twice ? Tensor.record(name, y, fn, x) : Tensor.recordFirstOrder(name, y, fn, x);
  }

  /** The unary ops whose derivative {@link #secondOrder} writes with tensor ops. */
  private static boolean hasSecondOrder(UnaryOp op) {
    return switch (op) {
      case IDENTITY, ADD_SCALAR, NEG, MUL_SCALAR, EXP, LOG, SIN, COS, SQUARE, TANH, SIGMOID -> true;
      default -> false;
    };
  }

  /** g * f'(x) written with tensor ops, so it is differentiable again (y = f(x)). */
  private static Tensor secondOrder(UnaryOp op, double a, Tensor x, Tensor y, Tensor g) {
    return switch (op) {
      case IDENTITY, ADD_SCALAR -> g;                       // 1
      case NEG -> g.neg();                                  // -1
      case MUL_SCALAR -> g.mul(a);                          // a
      case EXP -> g.mul(y);                                 // e^x = y
      case LOG -> g.div(x);                                 // 1/x
      case SIN -> g.mul(x.cos());                           // cos x
      case COS -> g.mul(x.sin()).neg();                     // -sin x
      case SQUARE -> g.mul(x).mul(2.0);                     // 2x
      case TANH -> g.mul(y.mul(y).rsub(1.0));               // 1 - y^2
      case SIGMOID -> g.mul(y).mul(y.rsub(1.0));            // y (1 - y)
      default -> throw new IllegalStateException("no second-order rule for " + op);
    };
  }

  static Tensor binary(Tensor x, BinaryOp op, Tensor y) {
    String name = op.kernelName();
    x.checkCompatible(name, y);
    Tensor.checkFloating(name, x.dtype());
    int[] shape = Shapes.broadcast(name, x.layout().shape(), y.layout().shape());
    Tensor out = Tensor.empty(x.device(), x.dtype(), shape);
    if (out.numel() > 0) {
      x.backend().binary(
          op, x.storage(), Shapes.expand(name, x.layout(), shape), y.storage(),
          Shapes.expand(name, y.layout(), shape), out.storage(), out.layout());
    }
    if (op.isComparison()) {
      return out; // piecewise constant: no gradient
    }
    int[] xs = x.shape();
    int[] ys = y.shape();
    return Tensor.record(name, out, g -> {
      Tensor gx = null;
      Tensor gy = null;
      switch (op) {
        case ADD -> { gx = g; gy = g; }                              // d(x+y) = 1, 1
        case SUB -> { gx = g; gy = g.neg(); }                        // d(x-y) = 1, -1
        case MUL -> { gx = g.mul(y); gy = g.mul(x); }                // d(xy) = y, x
        case DIV -> { gx = g.div(y); gy = g.mul(out).div(y).neg(); } // d(x/y) = 1/y, -x/y^2
        case POW -> {
          // d(x^y)/dx = y x^(y-1); d(x^y)/dy = x^y ln x, taken as 0 where x == 0 (PyTorch).
          gx = g.mul(y).mul(x.pow(y.sub(1.0)));
          Tensor logx = Tensor.where(x.eq(0.0), Tensor.zerosLike(x), x.log());
          gy = g.mul(out).mul(logx);
        }
        case MAXIMUM, MINIMUM -> {
          // The larger (smaller) input gets the gradient; ties share it equally (PyTorch).
          Tensor wins = op == BinaryOp.MAXIMUM ? x.gt(y) : x.lt(y);
          Tensor ties = x.eq(y).mul(0.5);
          Tensor share = wins.add(ties);
          gx = g.mul(share);
          gy = g.mul(share.rsub(1.0));
        }
        default -> throw new IllegalStateException("no gradient for " + op);
      }
      return new Tensor[] {
        x.requiresGrad() ? sumToShape(gx, xs) : null, y.requiresGrad() ? sumToShape(gy, ys) : null
      };
    }, x, y);
  }

  static Tensor where(Tensor cond, Tensor x, Tensor y) {
    x.checkCompatible("where", y);
    Tensor.checkFloating("where", x.dtype());
    if (!cond.device().equals(x.device())) {
      throw new DeviceMismatchException(
          "where: condition on " + cond.device() + ", values on " + x.device());
    }
    Tensor c = cond.dtype() == x.dtype() ? cond : cond.to(x.dtype());
    int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", c.layout().shape(),
        x.layout().shape()), y.layout().shape());
    Tensor out = Tensor.empty(x.device(), x.dtype(), shape);
    if (out.numel() > 0) {
      x.backend().where(
          c.storage(), Shapes.expand("where", c.layout(), shape), x.storage(),
          Shapes.expand("where", x.layout(), shape), y.storage(),
          Shapes.expand("where", y.layout(), shape), out.storage(), out.layout());
    }
    int[] xs = x.shape();
    int[] ys = y.shape();
    return Tensor.record("where", out, g -> {
      Tensor zero = Tensor.zerosLike(g);
      return new Tensor[] {
        null,
        x.requiresGrad() ? sumToShape(where(c, g, zero), xs) : null,
        y.requiresGrad() ? sumToShape(where(c, zero, g), ys) : null
      };
    }, cond, x, y);
  }

  /** Sums a broadcast gradient back down to {@code shape} (the inverse of broadcasting). */
  static Tensor sumToShape(Tensor g, int[] shape) {
    int[] gs = g.layout().shape();
    if (java.util.Arrays.equals(gs, shape)) {
      return g;
    }
    int lead = gs.length - shape.length;
    int[] dims = new int[gs.length];
    int n = 0;
    for (int i = 0; i < gs.length; i++) {
      if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) {
        dims[n++] = i;
      }
    }
    Tensor s = n == 0 ? g : g.sum(java.util.Arrays.copyOf(dims, n), true);
    return s.reshape(shape);
  }
}
