package io.myelin;

import io.myelin.autograd.Autograd;
import io.myelin.autograd.BackwardFunction;
import io.myelin.autograd.ForwardAD;
import io.myelin.autograd.TangentFunction;
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
    // gradients are being recorded (a backward with createGraph) or tangents propagated (forward
    // over reverse), the ops with a rule in secondOrder take it instead, so that gradient is
    // differentiable again.
    // Tangent: the Jacobian is diagonal, so the JVP is the same product f'(x) * tx (with tensor
    // ops when it is recorded or an outer dual level propagates through it: forward over forward).
    boolean twice = hasSecondOrder(op);
    return recordUnary(
        op.kernelName(),
        twice,
        y,
        g -> {
          if (twice && (Autograd.isGradEnabled() || ForwardAD.isPropagating())) {
            return new Tensor[] {secondOrder(op, a, b, x, y, g)};
          }
          return new Tensor[] {fusedBackward(op, a, b, x, y, g)};
        },
        tx ->
            twice && (Autograd.isGradEnabled() || ForwardAD.isPropagating())
                ? secondOrder(op, a, b, x, y, tx[0])
                : fusedBackward(op, a, b, x, y, tx[0]),
        x);
  }

  /** {@code g * f'(x)} by the backend's fused kernel (first order only). */
  private static Tensor fusedBackward(
      UnaryOp op, double a, double b, Tensor x, Tensor y, Tensor g) {
    Tensor xc = x.contiguous();
    Tensor gc = g.contiguous();
    Tensor gx = Tensor.empty(x.device(), x.dtype(), x.layout().shape());
    if (gx.numel() > 0) {
      x.backend()
          .unaryBackward(
              op,
              a,
              b,
              xc.storage(),
              xc.layout().offset(),
              y.storage(),
              y.layout().offset(),
              gc.storage(),
              gc.layout().offset(),
              gx.storage(),
              0,
              gx.numel());
    }
    return gx;
  }

  private static Tensor recordUnary(
      String name,
      boolean twice,
      Tensor y,
      BackwardFunction fn,
      TangentFunction tangent,
      Tensor x) {
    return twice
        ? Tensor.record(name, y, fn, tangent, x)
        : Tensor.recordFirstOrder(name, y, fn, tangent, x);
  }

  /** The unary ops whose derivative {@link #secondOrder} writes with tensor ops. */
  private static boolean hasSecondOrder(UnaryOp op) {
    return switch (op) {
      case IDENTITY,
          ADD_SCALAR,
          NEG,
          MUL_SCALAR,
          EXP,
          LOG,
          SIN,
          COS,
          SQUARE,
          TANH,
          SIGMOID,
          SQRT,
          RECIPROCAL,
          POW_SCALAR,
          ABS,
          SIGN,
          STEP,
          RELU,
          LEAKY_RELU,
          CLAMP,
          ELU,
          SOFTPLUS,
          SILU,
          GELU,
          PIECEWISE_LINEAR ->
          true;
      default -> false;
    };
  }

  /** g * f'(x) written with tensor ops, so it is differentiable again (y = f(x)). */
  private static Tensor secondOrder(UnaryOp op, double a, double b, Tensor x, Tensor y, Tensor g) {
    return switch (op) {
      case IDENTITY, ADD_SCALAR -> g; // 1
      case NEG -> g.neg(); // -1
      case MUL_SCALAR -> g.mul(a); // a
      case EXP -> g.mul(y); // e^x = y
      case LOG -> g.div(x); // 1/x
      case SIN -> g.mul(x.cos()); // cos x
      case COS -> g.mul(x.sin()).neg(); // -sin x
      case SQUARE -> g.mul(x).mul(2.0); // 2x
      case TANH -> g.mul(y.mul(y).rsub(1.0)); // 1 - y^2
      case SIGMOID -> g.mul(y).mul(y.rsub(1.0)); // y (1 - y)
      case SQRT -> g.div(y).mul(0.5); // 1 / (2 y)
      case RECIPROCAL -> g.mul(y).mul(y).neg(); // -y^2
      case POW_SCALAR -> g.mul(x.pow(a - 1)).mul(a); // a x^(a-1)
      case ABS -> g.mul(x.sign()); // sign x (0 at 0)
      case SIGN, STEP -> g.mul(0.0); // 0
      // The piecewise ones as masks (comparisons carry no gradient), with PyTorch's kink values.
      case RELU -> g.mul(x.gt(0.0)); // 1 above 0, else 0
      case LEAKY_RELU -> g.mul(x.gt(0.0).mul(1 - a).add(a)); // 1 above 0, else a
      case CLAMP -> g.mul(x.ge(a).mul(x.le(b))); // 1 on [a, b]
      case ELU -> g.mul(where(x.gt(0.0), x.scalarLike(1), y.add(a))); // 1, else y + a
      case SOFTPLUS -> g.mul(x.sigmoid()); // sigmoid x
      case SILU -> { // s + x s (1 - s)
        Tensor s = x.sigmoid();
        yield g.mul(s.add(x.mul(s).mul(s.rsub(1.0))));
      }
      case GELU -> g.mul(geluDerivative(x, y)); // Phi(x) + x phi(x)
      case PIECEWISE_LINEAR -> g.mul(x.ge(-0.5).mul(x.le(0.5))); // 1 on [-1/2, 1/2]
      default -> throw new IllegalStateException("no second-order rule for " + op);
    };
  }

  /**
   * gelu'(x) = Phi(x) + x phi(x) as a recorded op: its value from the backend's fused derivative
   * (the normal CDF has no tensor op), its own derivative gelu''(x) = phi(x) (2 - x^2) with tensor
   * ops (phi(x) = e^(-x^2/2) / sqrt(2 pi)), so the gradient of gelu differentiates to any order.
   */
  private static Tensor geluDerivative(Tensor x, Tensor y) {
    Tensor d;
    try (var ignored = Autograd.noGrad();
        var suspended = ForwardAD.suspend()) {
      d = fusedBackward(UnaryOp.GELU, 0, 0, x, y, Tensor.onesLike(x));
    }
    return Tensor.record(
        "gelu_derivative",
        d,
        g -> new Tensor[] {g.mul(geluSecondDerivative(x))},
        t -> t[0].mul(geluSecondDerivative(x)),
        x);
  }

  /** phi(x) (2 - x^2), with tensor ops. */
  private static Tensor geluSecondDerivative(Tensor x) {
    Tensor x2 = x.square();
    return x2.mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI)).mul(x2.rsub(2.0));
  }

  static Tensor binary(Tensor x, BinaryOp op, Tensor y) {
    String name = op.kernelName();
    x.checkCompatible(name, y);
    Tensor.checkFloating(name, x.dtype());
    int[] shape = Shapes.broadcast(name, x.layout().shape(), y.layout().shape());
    Tensor out = Tensor.empty(x.device(), x.dtype(), shape);
    if (out.numel() > 0) {
      x.backend()
          .binary(
              op,
              x.storage(),
              Shapes.expand(name, x.layout(), shape),
              y.storage(),
              Shapes.expand(name, y.layout(), shape),
              out.storage(),
              out.layout());
    }
    if (op.isComparison()) {
      return out; // piecewise constant: no gradient
    }
    int[] xs = x.shape();
    int[] ys = y.shape();
    return Tensor.record(
        name,
        out,
        g -> {
          Tensor gx = null;
          Tensor gy = null;
          switch (op) {
            case ADD -> {
              gx = g;
              gy = g;
            } // d(x+y) = 1, 1
            case SUB -> {
              gx = g;
              gy = g.neg();
            } // d(x-y) = 1, -1
            case MUL -> {
              gx = g.mul(y);
              gy = g.mul(x);
            } // d(xy) = y, x
            case DIV -> {
              gx = g.div(y);
              gy = g.mul(out).div(y).neg();
            } // d(x/y) = 1/y, -x/y^2
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
            x.requiresGrad() ? sumToShape(gx, xs) : null,
            y.requiresGrad() ? sumToShape(gy, ys) : null
          };
        },
        t -> binaryTangent(op, x, y, out, t[0], t[1]),
        x,
        y);
  }

  /** d out = (d out / dx) tx + (d out / dy) ty, a null tangent standing for zeros. */
  private static Tensor binaryTangent(
      BinaryOp op, Tensor x, Tensor y, Tensor out, Tensor tx, Tensor ty) {
    return switch (op) {
      case ADD -> plus(tx, ty);
      case SUB -> plus(tx, ty == null ? null : ty.neg());
      case MUL -> plus(tx == null ? null : tx.mul(y), ty == null ? null : ty.mul(x));
      case DIV -> plus(tx == null ? null : tx.div(y), ty == null ? null : ty.mul(out).div(y).neg());
      case POW ->
          plus(
              tx == null ? null : tx.mul(y).mul(x.pow(y.sub(1.0))),
              ty == null ? null : ty.mul(out).mul(where(x.eq(0.0), Tensor.zerosLike(x), x.log())));
      case MAXIMUM, MINIMUM -> {
        Tensor wins = op == BinaryOp.MAXIMUM ? x.gt(y) : x.lt(y);
        Tensor share = wins.add(x.eq(y).mul(0.5));
        yield plus(tx == null ? null : tx.mul(share), ty == null ? null : ty.mul(share.rsub(1.0)));
      }
      default -> throw new IllegalStateException("no tangent rule for " + op);
    };
  }

  /** a + b where null is zero (never both null). */
  private static Tensor plus(Tensor a, Tensor b) {
    return a == null ? b : b == null ? a : a.add(b);
  }

  static Tensor where(Tensor cond, Tensor x, Tensor y) {
    x.checkCompatible("where", y);
    Tensor.checkFloating("where", x.dtype());
    if (!cond.device().equals(x.device())) {
      throw new DeviceMismatchException(
          "where: condition on " + cond.device() + ", values on " + x.device());
    }
    Tensor c = cond.dtype() == x.dtype() ? cond : cond.to(x.dtype());
    int[] shape =
        Shapes.broadcast(
            "where",
            Shapes.broadcast("where", c.layout().shape(), x.layout().shape()),
            y.layout().shape());
    Tensor out = Tensor.empty(x.device(), x.dtype(), shape);
    if (out.numel() > 0) {
      x.backend()
          .where(
              c.storage(),
              Shapes.expand("where", c.layout(), shape),
              x.storage(),
              Shapes.expand("where", x.layout(), shape),
              y.storage(),
              Shapes.expand("where", y.layout(), shape),
              out.storage(),
              out.layout());
    }
    int[] xs = x.shape();
    int[] ys = y.shape();
    return Tensor.record(
        "where",
        out,
        g -> {
          Tensor zero = Tensor.zerosLike(g);
          return new Tensor[] {
            null,
            x.requiresGrad() ? sumToShape(where(c, g, zero), xs) : null,
            y.requiresGrad() ? sumToShape(where(c, zero, g), ys) : null
          };
        },
        t -> {
          // Tangent: where(c, tx, ty), zeros for a missing one; the condition has none.
          Tensor zero = x.scalarLike(0);
          return where(c, t[1] == null ? zero : t[1], t[2] == null ? zero : t[2]);
        },
        cond,
        x,
        y);
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
