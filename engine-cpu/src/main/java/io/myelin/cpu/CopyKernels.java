package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.Layout;
import java.util.Arrays;

/**
 * Strided copies with dtype conversion, and fills. Conversions follow Java's casts: float to int
 * truncates toward zero (NaN gives 0, out-of-range saturates), double to float rounds to nearest.
 */
final class CopyKernels {
  private CopyKernels() {}

  /** Copies the view {@code sl} of {@code src} into the view {@code dl} of {@code dst}. */
  static void copy(CpuThreads threads, CpuStorage src, Layout sl, CpuStorage dst, Layout dl) {
    Strided it = Strided.of(dl, sl);
    int ds = it.innerStride(0);
    int ss = it.innerStride(1);
    Object from = src.array();
    Object to = dst.array();
    DType st = src.dtype();
    DType dt = dst.dtype();
    it.parallel(
        threads,
        1,
        (base, n) -> {
          int d = base[0];
          int s = base[1];
          if (st == dt && ds == 1 && ss == 1) {
            System.arraycopy(from, s, to, d, n);
            return;
          }
          switch (dt) {
            case FLOAT32 -> {
              float[] o = (float[]) to;
              switch (st) {
                case FLOAT32 -> {
                  float[] x = (float[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = x[s + i * ss];
                }
                case FLOAT64 -> {
                  double[] x = (double[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = (float) x[s + i * ss];
                }
                case INT32 -> {
                  int[] x = (int[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = x[s + i * ss];
                }
              }
            }
            case FLOAT64 -> {
              double[] o = (double[]) to;
              switch (st) {
                case FLOAT32 -> {
                  float[] x = (float[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = x[s + i * ss];
                }
                case FLOAT64 -> {
                  double[] x = (double[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = x[s + i * ss];
                }
                case INT32 -> {
                  int[] x = (int[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = x[s + i * ss];
                }
              }
            }
            case INT32 -> {
              int[] o = (int[]) to;
              switch (st) {
                case FLOAT32 -> {
                  float[] x = (float[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = (int) x[s + i * ss];
                }
                case FLOAT64 -> {
                  double[] x = (double[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = (int) x[s + i * ss];
                }
                case INT32 -> {
                  int[] x = (int[]) from;
                  for (int i = 0; i < n; i++) o[d + i * ds] = x[s + i * ss];
                }
              }
            }
          }
        });
  }

  /** Sets every element of the view to {@code value}, converted as a cast would. */
  static void fill(CpuThreads threads, CpuStorage dst, Layout layout, double value) {
    Strided it = Strided.of(layout);
    int st = it.innerStride(0);
    Object to = dst.array();
    float f = (float) value;
    int iv = (int) value;
    it.parallel(
        threads,
        1,
        (base, n) -> {
          int d = base[0];
          switch (dst.dtype()) {
            case FLOAT32 -> {
              float[] o = (float[]) to;
              if (st == 1) {
                Arrays.fill(o, d, d + n, f);
              } else {
                for (int i = 0; i < n; i++) o[d + i * st] = f;
              }
            }
            case FLOAT64 -> {
              double[] o = (double[]) to;
              if (st == 1) {
                Arrays.fill(o, d, d + n, value);
              } else {
                for (int i = 0; i < n; i++) o[d + i * st] = value;
              }
            }
            case INT32 -> {
              int[] o = (int[]) to;
              if (st == 1) {
                Arrays.fill(o, d, d + n, iv);
              } else {
                for (int i = 0; i < n; i++) o[d + i * st] = iv;
              }
            }
          }
        });
  }

  /** Host array to storage (the array type matches the dtype: checked by the caller). */
  static void fromHost(Object src, int srcOffset, CpuStorage dst, int dstOffset, int length) {
    System.arraycopy(src, srcOffset, dst.array(), dstOffset, length);
  }

  /** A copy of {@code length} elements of a host array from {@code offset} (same array type). */
  static Object slice(Object src, int offset, int length) {
    return switch (src) {
      case float[] f -> java.util.Arrays.copyOfRange(f, offset, offset + length);
      case double[] d -> java.util.Arrays.copyOfRange(d, offset, offset + length);
      case int[] i -> java.util.Arrays.copyOfRange(i, offset, offset + length);
      default ->
          throw new IllegalArgumentException(
              "unsupported host array " + (src == null ? "null" : src.getClass().getSimpleName()));
    };
  }

  /** {@link io.myelin.backend.Backend#gatherRows}: row r of dst = row indices[r] of src. */
  static void gatherRows(
      CpuStorage src,
      int srcOffset,
      int srcRows,
      int rowLength,
      CpuStorage indices,
      int indicesOffset,
      int rows,
      CpuStorage dst,
      int dstOffset) {
    int[] idx = indices.ints();
    Object s = src.array();
    Object d = dst.array();
    for (int r = 0; r < rows; r++) {
      int i = idx[indicesOffset + r];
      if (i < 0 || i >= srcRows) {
        throw new IndexOutOfBoundsException(
            "gatherRows: index " + i + " at position " + r + " outside [0, " + srcRows + ")");
      }
      System.arraycopy(s, srcOffset + i * rowLength, d, dstOffset + r * rowLength, rowLength);
    }
  }

  /** Storage to host array (the array type matches the dtype: checked by the caller). */
  static void toHost(CpuStorage src, int srcOffset, Object dst, int dstOffset, int length) {
    System.arraycopy(src.array(), srcOffset, dst, dstOffset, length);
  }
}
