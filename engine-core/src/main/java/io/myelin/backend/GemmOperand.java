package io.myelin.backend;

/**
 * One matrix operand of {@link Backend#gemm}: a row-major matrix (or a batch of them) in a storage.
 *
 * <p>Element (i, j) of matrix {@code b} of the batch is at {@code offset + b * batchStride + i * ld
 * + j}; with {@code transposed} the operand used is that matrix's transpose, so element (i, j) of
 * op(X) is at {@code offset + b * batchStride + j * ld + i}. A batch stride of 0 reuses one matrix
 * for every batch entry (broadcasting).
 *
 * @param storage the memory
 * @param offset first element
 * @param ld leading dimension: distance between consecutive rows of the stored matrix
 * @param batchStride distance between consecutive matrices of the batch
 * @param transposed whether the operand is the transpose of the stored matrix
 */
public record GemmOperand(
    Storage storage, int offset, int ld, int batchStride, boolean transposed) {
  public GemmOperand {
    if (offset < 0 || ld < 0 || batchStride < 0) {
      throw new IllegalArgumentException(
          "gemm: operand offset/ld/batchStride must be >= 0, got "
              + offset
              + "/"
              + ld
              + "/"
              + batchStride);
    }
  }

  /** A plain row-major matrix with leading dimension {@code ld}. */
  public static GemmOperand of(Storage storage, int offset, int ld) {
    return new GemmOperand(storage, offset, ld, 0, false);
  }
}
