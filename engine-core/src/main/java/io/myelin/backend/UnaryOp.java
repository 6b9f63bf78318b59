package io.myelin.backend;

/**
 * Element-wise functions of one tensor: math functions and activations.
 *
 * <p>One constant per function, each carrying its kernel name root and a double-precision scalar
 * reference for the value and the derivative, which backends use for their float64 path and tests
 * use as the independent reference. Parameters {@code a} and {@code b} are the op's scalars (slope,
 * alpha, bounds, exponent); unused ones are ignored. The derivative receives both the input {@code
 * x} and the output {@code y = f(x)}, so kernels can use whichever is cheaper.
 *
 * <p>Derivatives at kinks follow PyTorch: relu'(0) = 0, leaky-relu'(0) = slope, clamp' = 1 on the
 * closed interval [a, b], abs'(0) = 0. {@link #STEP} and {@link #SIGN} have zero derivative
 * everywhere (the true derivative is 0 almost everywhere and undefined at 0), so no gradient flows
 * through them.
 */
public enum UnaryOp {
  /** y = x. */
  IDENTITY("identity") {
    public double apply(double x, double a, double b) {
      return x;
    }

    public double derivative(double x, double y, double a, double b) {
      return 1;
    }
  },
  /** y = -x. */
  NEG("neg") {
    public double apply(double x, double a, double b) {
      return -x;
    }

    public double derivative(double x, double y, double a, double b) {
      return -1;
    }
  },
  /** y = |x|; derivative sign(x) (0 at 0). */
  ABS("abs") {
    public double apply(double x, double a, double b) {
      return Math.abs(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return Math.signum(x);
    }
  },
  /** y = sign(x) in {-1, 0, 1}; derivative 0. */
  SIGN("sign") {
    public double apply(double x, double a, double b) {
      return Math.signum(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return 0;
    }
  },
  /** Heaviside unit step: 0 below 0, 0.5 at 0, 1 above; derivative 0. */
  STEP("step") {
    public double apply(double x, double a, double b) {
      return x > 0 ? 1 : (x < 0 ? 0 : 0.5);
    }

    public double derivative(double x, double y, double a, double b) {
      return 0;
    }
  },
  /** y = e^x; y' = y. */
  EXP("exp") {
    public double apply(double x, double a, double b) {
      return Math.exp(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return y;
    }
  },
  /** Natural logarithm; y' = 1/x. */
  LOG("log") {
    public double apply(double x, double a, double b) {
      return Math.log(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return 1 / x;
    }
  },
  /** Square root; y' = 1/(2y). */
  SQRT("sqrt") {
    public double apply(double x, double a, double b) {
      return Math.sqrt(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return 0.5 / y;
    }
  },
  /** y = x^2; y' = 2x. */
  SQUARE("square") {
    public double apply(double x, double a, double b) {
      return x * x;
    }

    public double derivative(double x, double y, double a, double b) {
      return 2 * x;
    }
  },
  /** y = 1/x; y' = -y^2. */
  RECIPROCAL("reciprocal") {
    public double apply(double x, double a, double b) {
      return 1 / x;
    }

    public double derivative(double x, double y, double a, double b) {
      return -y * y;
    }
  },
  /** y = sin x. */
  SIN("sin") {
    public double apply(double x, double a, double b) {
      return Math.sin(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return Math.cos(x);
    }
  },
  /** y = cos x. */
  COS("cos") {
    public double apply(double x, double a, double b) {
      return Math.cos(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return -Math.sin(x);
    }
  },
  /** Logistic sigmoid; y' = y(1-y). */
  SIGMOID("sigmoid") {
    public double apply(double x, double a, double b) {
      return ScalarMath.sigmoid(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return y * (1 - y);
    }
  },
  /** Hyperbolic tangent; y' = 1 - y^2. */
  TANH("tanh") {
    public double apply(double x, double a, double b) {
      return Math.tanh(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return 1 - y * y;
    }
  },
  /** max(x, 0); y' = 1 for x > 0, else 0. */
  RELU("relu") {
    public double apply(double x, double a, double b) {
      return x > 0 ? x : 0;
    }

    public double derivative(double x, double y, double a, double b) {
      return x > 0 ? 1 : 0;
    }
  },
  /** x for x > 0, a*x otherwise (a = negative slope, PyTorch default 0.01). */
  LEAKY_RELU("leaky_relu") {
    public double apply(double x, double a, double b) {
      return x > 0 ? x : a * x;
    }

    public double derivative(double x, double y, double a, double b) {
      return x > 0 ? 1 : a;
    }
  },
  /** x for x > 0, a*(e^x - 1) otherwise (a = alpha, default 1); y' = y + a below 0. */
  ELU("elu") {
    public double apply(double x, double a, double b) {
      return x > 0 ? x : a * Math.expm1(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return x > 0 ? 1 : y + a;
    }
  },
  /** log(1 + e^x), linear above 20 (PyTorch's threshold); y' = sigmoid(x). */
  SOFTPLUS("softplus") {
    public double apply(double x, double a, double b) {
      return ScalarMath.softplus(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return x > 20 ? 1 : ScalarMath.sigmoid(x);
    }
  },
  /** Swish / SiLU: x * sigmoid(x); y' = s + x s (1 - s). */
  SILU("silu") {
    public double apply(double x, double a, double b) {
      return x * ScalarMath.sigmoid(x);
    }

    public double derivative(double x, double y, double a, double b) {
      double s = ScalarMath.sigmoid(x);
      return s + x * s * (1 - s);
    }
  },
  /** GELU, exact form x * Phi(x) (PyTorch's default); y' = Phi(x) + x phi(x). */
  GELU("gelu") {
    public double apply(double x, double a, double b) {
      return x * ScalarMath.normalCdf(x);
    }

    public double derivative(double x, double y, double a, double b) {
      return ScalarMath.normalCdf(x) + x * ScalarMath.normalPdf(x);
    }
  },
  /** Clamp to [a, b]; hard tanh is clamp(-1, 1); y' = 1 on [a, b], 0 outside. */
  CLAMP("clamp") {
    public double apply(double x, double a, double b) {
      return x < a ? a : (x > b ? b : x);
    }

    public double derivative(double x, double y, double a, double b) {
      return x >= a && x <= b ? 1 : 0;
    }
  },
  /** The course's piecewise linear unit: 0 below -1/2, x + 1/2 between, 1 above 1/2. */
  PIECEWISE_LINEAR("piecewise_linear") {
    public double apply(double x, double a, double b) {
      return x < -0.5 ? 0 : (x > 0.5 ? 1 : x + 0.5);
    }

    public double derivative(double x, double y, double a, double b) {
      return x >= -0.5 && x <= 0.5 ? 1 : 0;
    }
  },
  /** y = x + a. */
  ADD_SCALAR("add_scalar") {
    public double apply(double x, double a, double b) {
      return x + a;
    }

    public double derivative(double x, double y, double a, double b) {
      return 1;
    }
  },
  /** y = a * x. */
  MUL_SCALAR("mul_scalar") {
    public double apply(double x, double a, double b) {
      return a * x;
    }

    public double derivative(double x, double y, double a, double b) {
      return a;
    }
  },
  /** y = x^a; y' = a x^(a-1). */
  POW_SCALAR("pow_scalar") {
    public double apply(double x, double a, double b) {
      return Math.pow(x, a);
    }

    public double derivative(double x, double y, double a, double b) {
      return a == 0 ? 0 : a * Math.pow(x, a - 1);
    }
  };

  private final String kernelName;

  UnaryOp(String kernelName) {
    this.kernelName = kernelName;
  }

  /** Root of the kernel names for this op (e.g. {@code relu} for {@code relu_f32}). */
  public String kernelName() {
    return kernelName;
  }

  /** Reference value f(x) in double precision. */
  public abstract double apply(double x, double a, double b);

  /** Reference derivative f'(x), given x and y = f(x). */
  public abstract double derivative(double x, double y, double a, double b);
}
