package io.myelin;

/**
 * Element types a tensor can hold.
 *
 * <p>{@link #FLOAT32} is the default for everything. {@link #FLOAT64} exists so that gradient
 * checks can run in double precision (every backend must support it for the differentiable
 * primitives; the CPU backend always does). {@link #INT32} holds class labels and indices; it
 * supports creation, copies, casts and comparisons, not arithmetic autograd.
 */
public enum DType {
  FLOAT32(4, "f32"),
  FLOAT64(8, "f64"),
  INT32(4, "i32");

  private final int byteSize;
  private final String shortName;

  DType(int byteSize, String shortName) {
    this.byteSize = byteSize;
    this.shortName = shortName;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Short name used in messages and {@code toString()}: f32, f64, i32. */
  public String shortName() {
    return shortName;
  }

  /** True for the floating-point types (the ones autograd differentiates). */
  public boolean isFloating() {
    return this != INT32;
  }
}
