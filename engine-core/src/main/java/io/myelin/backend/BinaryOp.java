package io.myelin.backend;

/**
 * Element-wise functions of two tensors, with NumPy broadcasting expressed as 0-strides.
 *
 * <p>Comparisons return 1 or 0 in the operands' dtype (not a boolean tensor), so masks multiply
 * directly. {@link #MAXIMUM} / {@link #MINIMUM} propagate NaN as PyTorch does.
 */
public enum BinaryOp {
  ADD("add") {
    public double apply(double a, double b) {
      return a + b;
    }
  },
  SUB("sub") {
    public double apply(double a, double b) {
      return a - b;
    }
  },
  MUL("mul") {
    public double apply(double a, double b) {
      return a * b;
    }
  },
  DIV("div") {
    public double apply(double a, double b) {
      return a / b;
    }
  },
  POW("pow") {
    public double apply(double a, double b) {
      return Math.pow(a, b);
    }
  },
  MAXIMUM("maximum") {
    public double apply(double a, double b) {
      return Math.max(a, b);
    }
  },
  MINIMUM("minimum") {
    public double apply(double a, double b) {
      return Math.min(a, b);
    }
  },
  EQ("eq") {
    public double apply(double a, double b) {
      return a == b ? 1 : 0;
    }
  },
  NE("ne") {
    public double apply(double a, double b) {
      return a != b ? 1 : 0;
    }
  },
  LT("lt") {
    public double apply(double a, double b) {
      return a < b ? 1 : 0;
    }
  },
  LE("le") {
    public double apply(double a, double b) {
      return a <= b ? 1 : 0;
    }
  },
  GT("gt") {
    public double apply(double a, double b) {
      return a > b ? 1 : 0;
    }
  },
  GE("ge") {
    public double apply(double a, double b) {
      return a >= b ? 1 : 0;
    }
  };

  private final String kernelName;

  BinaryOp(String kernelName) {
    this.kernelName = kernelName;
  }

  public String kernelName() {
    return kernelName;
  }

  /** Reference value in double precision. */
  public abstract double apply(double a, double b);

  /** True for the comparisons (their output is a 0/1 mask). */
  public boolean isComparison() {
    return ordinal() >= EQ.ordinal();
  }
}
