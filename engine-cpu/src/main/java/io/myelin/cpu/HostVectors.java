package io.myelin.cpu;

/**
 * Reads and writes runs of a floating {@link CpuStorage} as {@code double[]}, so the fused loss and
 * normalisation kernels are written once for both dtypes: they compute in double and round once
 * when writing float32. Stateless.
 */
final class HostVectors {
  private HostVectors() {}

  /** {@code n} elements from {@code offset}, widened to double; null for a null storage. */
  static double[] read(CpuStorage s, int offset, int n) {
    if (s == null) {
      return null;
    }
    double[] out = new double[n];
    switch (s.dtype()) {
      case FLOAT32 -> {
        float[] f = s.floats();
        for (int i = 0; i < n; i++) out[i] = f[offset + i];
      }
      case FLOAT64 -> System.arraycopy(s.doubles(), offset, out, 0, n);
      case INT32 -> {
        int[] a = s.ints();
        for (int i = 0; i < n; i++) out[i] = a[offset + i];
      }
    }
    return out;
  }

  /** Writes {@code v} at {@code offset}, rounded to the storage's dtype; nothing when s is null. */
  static void write(CpuStorage s, int offset, double[] v) {
    if (s == null) {
      return;
    }
    switch (s.dtype()) {
      case FLOAT32 -> {
        float[] f = s.floats();
        for (int i = 0; i < v.length; i++) f[offset + i] = (float) v[i];
      }
      case FLOAT64 -> System.arraycopy(v, 0, s.doubles(), offset, v.length);
      case INT32 -> throw new IllegalArgumentException("write of doubles into an int32 storage");
    }
  }

  /** {@code v} rounded to the dtype of {@code s} (float32: through float). */
  static double round(CpuStorage s, double v) {
    return s.dtype() == io.myelin.DType.FLOAT32 ? (float) v : v;
  }
}
