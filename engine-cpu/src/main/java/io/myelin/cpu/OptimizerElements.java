package io.myelin.cpu;

/**
 * The elements a fused optimizer update reads and writes, and the arithmetic of their precision, so
 * that {@link OptimizerUpdates} is written once for float32 and float64.
 *
 * <p>Every operation is done in double and rounded to the element type: for float32 that is exactly
 * float arithmetic, since + - * / and sqrt computed in double and then rounded to float give the
 * correctly rounded float result (double carries more than 2 * 24 + 2 significand bits), and for
 * float64 the rounding is the identity. Not thread-safe only in the sense that arrays are shared:
 * each worker updates its own element range.
 */
abstract sealed class OptimizerElements {
  final int offset;

  private OptimizerElements(int offset) {
    this.offset = offset;
  }

  /** The elements of {@code array} ({@code float[]} or {@code double[]}) from {@code offset}. */
  static OptimizerElements of(Object array, int offset) {
    return switch (array) {
      case float[] f -> new F32(f, offset);
      case double[] d -> new F64(d, offset);
      case null -> null;
      default ->
          throw new IllegalArgumentException(
              "optimizerUpdate: expected float[] or double[], got "
                  + array.getClass().getSimpleName());
    };
  }

  abstract double get(int i);

  abstract void set(int i, double v);

  /** {@code x} rounded to the element type. */
  abstract double r(double x);

  final double add(double a, double b) {
    return r(a + b);
  }

  final double sub(double a, double b) {
    return r(a - b);
  }

  final double mul(double a, double b) {
    return r(a * b);
  }

  final double div(double a, double b) {
    return r(a / b);
  }

  final double sqrt(double a) {
    return r(Math.sqrt(a));
  }

  /** float32 elements. */
  static final class F32 extends OptimizerElements {
    final float[] a;

    F32(float[] a, int offset) {
      super(offset);
      this.a = a;
    }

    @Override
    double get(int i) {
      return a[offset + i];
    }

    @Override
    void set(int i, double v) {
      a[offset + i] = (float) v;
    }

    @Override
    double r(double x) {
      return (float) x;
    }
  }

  /** float64 elements. */
  static final class F64 extends OptimizerElements {
    final double[] a;

    F64(double[] a, int offset) {
      super(offset);
      this.a = a;
    }

    @Override
    double get(int i) {
      return a[offset + i];
    }

    @Override
    void set(int i, double v) {
      a[offset + i] = v;
    }

    @Override
    double r(double x) {
      return x;
    }
  }
}
