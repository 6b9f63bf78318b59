package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.Layout;
import java.util.Arrays;

/**
 * The host-side argument checks of {@link CudaBackend}: dtypes, shapes and bounds, checked before
 * anything is enqueued because an out-of-bounds device write corrupts memory silently.
 */
final class CudaArguments {
  private CudaArguments() {}

  static CudaStorage floating(CudaStorage s, String op) {
    if (!s.dtype().isFloating()) {
      throw new IllegalArgumentException(op + " on CUDA needs float32 or float64, got " + s.dtype());
    }
    return s;
  }

  static void sameDtype(String op, CudaStorage... storages) {
    for (CudaStorage s : storages) {
      if (s.dtype() != storages[0].dtype()) {
        throw new IllegalArgumentException(op + ": operands mix " + storages[0].dtype() + " and " + s.dtype());
      }
    }
  }

  static void sameShape(String op, Layout a, Layout b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a.shape()) + " and "
          + Arrays.toString(b.shape()) + " differ");
    }
  }

  static void checkRange(CudaStorage s, long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > s.length()) {
      throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + length)
          + ") outside a storage of " + s.length() + " elements");
    }
  }

  /**
   * A run of {@code n} elements from {@code offset} inside {@code s}, else an {@link
   * IllegalArgumentException} naming {@code what} (the CPU backend's check of the same arguments).
   */
  static void checkRun(String what, CudaStorage s, int offset, int n) {
    if (offset < 0 || n < 0 || (long) offset + n > s.length()) {
      throw new IllegalArgumentException(what + ": elements [" + offset + ", " + ((long) offset + n)
          + ") outside a storage of " + s.length());
    }
  }

  static void checkView(CudaStorage s, Layout l) {
    for (int st : l.strides()) {
      if (st < 0) {
        throw new IllegalArgumentException("negative stride in " + l);
      }
    }
    if (l.extent() > s.length()) {
      throw new IndexOutOfBoundsException(l + " reaches past a storage of " + s.length() + " elements");
    }
  }

  static void checkHostArray(Object array, DType dtype, int offset, int length) {
    int arrayLength = switch (array) {
      case float[] f when dtype == DType.FLOAT32 -> f.length;
      case double[] d when dtype == DType.FLOAT64 -> d.length;
      case int[] i when dtype == DType.INT32 -> i.length;
      default -> throw new IllegalArgumentException("host array " + array.getClass().getSimpleName()
          + " does not match storage dtype " + dtype);
    };
    if (offset < 0 || length < 0 || (long) offset + length > arrayLength) {
      throw new IndexOutOfBoundsException("host range [" + offset + ", " + ((long) offset + length)
          + ") outside an array of " + arrayLength);
    }
  }
}
