package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.backend.Storage;

/**
 * CPU memory: one Java array ({@code float[]}, {@code double[]} or {@code int[]}), taken from and
 * given back to the backend's {@link ArrayPool}. {@link #free()} drops this storage's reference to
 * the array, so a use after free fails loudly instead of reading another tensor's data.
 *
 * <p>Thread-safety: the array is shared by every thread that runs an op on it; ordering between ops
 * is the caller's business, as for any backend.
 */
final class CpuStorage extends Storage {
  private final CpuBackend owner;
  private final CpuGraph graph;
  private Object array;

  /**
   * Wraps {@code array} ({@code length} elements of {@code dtype}: the caller's promise); {@code
   * graph} is the capture that allocated it, or null.
   */
  CpuStorage(CpuBackend owner, DType dtype, int length, Object array, CpuGraph graph) {
    super(owner, dtype, length);
    this.owner = owner;
    this.array = array;
    this.graph = graph;
  }

  /** The graph whose capture allocated this storage (its array is reserved for it), or null. */
  CpuGraph graph() {
    return graph;
  }

  /** A new array of {@code length} elements of {@code dtype}. */
  static Object newArray(DType dtype, int length) {
    return switch (dtype) {
      case FLOAT32 -> new float[length];
      case FLOAT64 -> new double[length];
      case INT32 -> new int[length];
    };
  }

  /** The elements of a FLOAT32 storage. */
  public float[] floats() {
    return (float[]) array(DType.FLOAT32);
  }

  /** The elements of a FLOAT64 storage. */
  public double[] doubles() {
    return (double[]) array(DType.FLOAT64);
  }

  /** The elements of an INT32 storage. */
  public int[] ints() {
    return (int[]) array(DType.INT32);
  }

  /** The backing array, whatever its type. */
  Object array() {
    Object a = array;
    if (a == null) {
      throw new IllegalStateException(
          "cpu storage of " + length() + " " + dtype().shortName() + " used after it was freed");
    }
    return a;
  }

  private Object array(DType expected) {
    if (dtype() != expected) {
      throw new IllegalArgumentException(
          "expected a " + expected.shortName() + " storage, got " + dtype().shortName());
    }
    return array();
  }

  @Override
  protected void free() {
    Object a = array;
    // A captured graph's calls name this storage and run again at every replay: its array stays
    // (reserved for the graph) instead of being dropped to catch a use after free.
    if (graph == null) {
      array = null;
    }
    owner.released(this, a);
  }

  /** Checks that {@code s} is CPU memory of {@code backend} and returns it as such. */
  static CpuStorage of(Storage s, CpuBackend backend) {
    if (!(s instanceof CpuStorage cs)) {
      throw new IllegalArgumentException(
          "storage on "
              + (s == null ? "null" : s.device())
              + " passed to the cpu backend: move it to the cpu first");
    }
    if (cs.owner != backend) {
      throw new IllegalArgumentException("storage belongs to another cpu backend instance");
    }
    return cs;
  }
}
