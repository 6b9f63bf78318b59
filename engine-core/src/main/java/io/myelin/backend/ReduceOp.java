package io.myelin.backend;

/**
 * Reductions along one run of adjacent axes (see {@link Backend#reduce}).
 *
 * <p>{@link #ARGMAX} and {@link #ARGMIN} write int32 indices (the first one on ties, as PyTorch);
 * the others write the input dtype. MAX/MIN propagate NaN. Reducing zero elements gives 0 for SUM,
 * NaN for MEAN and is an error for the others (checked above the SPI).
 */
public enum ReduceOp {
  SUM("sum"),
  MEAN("mean"),
  MAX("max"),
  MIN("min"),
  ARGMAX("argmax"),
  ARGMIN("argmin");

  private final String kernelName;

  ReduceOp(String kernelName) {
    this.kernelName = kernelName;
  }

  public String kernelName() {
    return kernelName;
  }

  /** True when the output holds int32 indices. */
  public boolean producesIndices() {
    return this == ARGMAX || this == ARGMIN;
  }
}
