package io.myelin.cpu;

import io.myelin.DType;

/**
 * A float32 or float64 {@link CpuStorage} read and written through doubles, so an index-map kernel
 * (im2col, col2im, pooling) is written once for both dtypes. Exact for float32: a value widens to
 * double exactly, and every write rounds once, so {@code add(i, get(j))} on float32 is the float
 * sum {@code a[i] + a[j]} and a float loop's results keep their bits. Runs ({@link #addRun}, {@link
 * #copyRun}, {@link #fill0}) stay typed loops or array copies. Stateless views; thread-safe as far
 * as the writes of different threads go to disjoint elements.
 */
abstract sealed class HostArray permits HostArray.F32, HostArray.F64 {

  /** The view of a FLOAT32 or FLOAT64 storage. */
  static HostArray of(CpuStorage s) {
    return s.dtype() == DType.FLOAT32 ? new F32(s.floats()) : new F64(s.doubles());
  }

  abstract double get(int i);

  /** {@code a[i] = v}, rounded once to the dtype. */
  abstract void set(int i, double v);

  /** {@code a[i] += v} in the dtype's arithmetic ({@code v} rounded to the dtype first). */
  abstract void add(int i, double v);

  /** {@code a[from, to) = 0}. */
  abstract void fill0(int from, int to);

  /** {@code a[at + t] = src[from + t]} for t < n (same dtype). */
  final void copyRun(int at, HostArray src, int from, int n) {
    System.arraycopy(src.array(), from, array(), at, n);
  }

  /** {@code a[at + t] += src[from + t]} for t < n, in increasing t (same dtype). */
  abstract void addRun(int at, HostArray src, int from, int n);

  abstract Object array();

  static final class F32 extends HostArray {
    private final float[] a;

    F32(float[] a) {
      this.a = a;
    }

    @Override
    double get(int i) {
      return a[i];
    }

    @Override
    void set(int i, double v) {
      a[i] = (float) v;
    }

    @Override
    void add(int i, double v) {
      a[i] += (float) v;
    }

    @Override
    void fill0(int from, int to) {
      java.util.Arrays.fill(a, from, to, 0f);
    }

    @Override
    void addRun(int at, HostArray src, int from, int n) {
      float[] s = ((F32) src).a;
      for (int t = 0; t < n; t++) {
        a[at + t] += s[from + t];
      }
    }

    @Override
    Object array() {
      return a;
    }
  }

  static final class F64 extends HostArray {
    private final double[] a;

    F64(double[] a) {
      this.a = a;
    }

    @Override
    double get(int i) {
      return a[i];
    }

    @Override
    void set(int i, double v) {
      a[i] = v;
    }

    @Override
    void add(int i, double v) {
      a[i] += v;
    }

    @Override
    void fill0(int from, int to) {
      java.util.Arrays.fill(a, from, to, 0.0);
    }

    @Override
    void addRun(int at, HostArray src, int from, int n) {
      double[] s = ((F64) src).a;
      for (int t = 0; t < n; t++) {
        a[at + t] += s[from + t];
      }
    }

    @Override
    Object array() {
      return a;
    }
  }
}
