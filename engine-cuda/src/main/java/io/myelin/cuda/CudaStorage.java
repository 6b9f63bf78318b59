package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.Storage;
import jcuda.driver.CUevent;

/**
 * Device memory of one {@link CudaBackend}: a block of its {@link CachingAllocator}. Freeing
 * returns the block to the allocator's cache (no driver call, so it is safe from any thread,
 * including a Cleaner's).
 */
final class CudaStorage extends Storage {
  private final CachingAllocator allocator;
  private final CachingAllocator.Block block;

  /** The end of a copy-stream upload into this storage not yet waited for, or null. */
  private CUevent pendingUpload;

  private long uploadEpoch;

  CudaStorage(
      CudaBackend backend,
      DType dtype,
      int length,
      CachingAllocator allocator,
      CachingAllocator.Block block) {
    super(backend, dtype, length);
    this.allocator = allocator;
    this.block = block;
  }

  /** True when {@code backend} allocated this storage. */
  boolean ownedBy(CudaBackend backend) {
    return owner() == backend;
  }

  /** Device address of element {@code offset}. */
  long address(long offset) {
    // Arguments arrive checked (io.myelin.backend.CheckedBackend); this guards the raw backend's
    // own callers (its tests and benchmarks) from handing a kernel an address outside the block.
    assert offset >= 0 && offset <= length() : "offset " + offset + " outside " + length();
    if (isFreed()) {
      throw new IllegalStateException("use of freed CUDA storage");
    }
    return block.address() + offset * dtype().byteSize();
  }

  /** An upload into this storage runs on the copy stream and ends at {@code ready}. */
  synchronized void uploading(CUevent ready, long epoch) {
    pendingUpload = ready;
    uploadEpoch = epoch;
  }

  /**
   * The pending upload's event, once (then cleared), or null; null also for an upload older than
   * {@code drainedEpoch} (the compute stream has waited for all of those already).
   */
  synchronized CUevent takePendingUpload(long drainedEpoch) {
    CUevent e = pendingUpload;
    pendingUpload = null;
    return e != null && uploadEpoch >= drainedEpoch ? e : null;
  }

  @Override
  protected void free() {
    CUevent e;
    long epoch;
    synchronized (this) {
      e = pendingUpload;
      epoch = uploadEpoch;
      pendingUpload = null;
    }
    if (e != null) {
      // Freed before any use: the copy stream may still be writing the block, which the next
      // owner's work (on the compute stream) must not race. Rare (an abandoned look-ahead batch).
      // The backend skips the wait where a capture's drain already ordered the upload (see there).
      ((CudaBackend) owner()).awaitUpload(e, epoch);
    }
    allocator.free(block);
  }
}
