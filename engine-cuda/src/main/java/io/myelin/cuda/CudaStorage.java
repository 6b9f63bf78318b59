package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.Storage;

/**
 * Device memory of one {@link CudaBackend}: a block of its {@link CachingAllocator}. Freeing
 * returns the block to the allocator's cache (no driver call, so it is safe from any thread,
 * including a Cleaner's).
 */
final class CudaStorage extends Storage {
  private final CachingAllocator allocator;
  private final CachingAllocator.Block block;

  CudaStorage(CudaBackend backend, DType dtype, int length, CachingAllocator allocator,
      CachingAllocator.Block block) {
    super(backend, dtype, length);
    this.allocator = allocator;
    this.block = block;
  }

  /** Device address of element {@code offset}. */
  long address(long offset) {
    if (isFreed()) {
      throw new IllegalStateException("use of freed CUDA storage");
    }
    return block.address() + offset * dtype().byteSize();
  }

  @Override
  protected void free() {
    allocator.free(block);
  }
}
