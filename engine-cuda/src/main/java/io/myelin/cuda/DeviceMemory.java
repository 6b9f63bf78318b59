package io.myelin.cuda;

/**
 * The two driver calls a {@link CachingAllocator} needs, behind an interface so that the
 * allocator's bookkeeping is unit-tested without a GPU (with a fake) and runs on the device with
 * {@link DriverMemory}.
 */
public interface DeviceMemory {

  /**
   * Allocates {@code bytes} of device memory.
   *
   * @return the device address, or 0 when the device is out of memory (the allocator then frees its
   *     cache and retries once)
   * @throws CudaException for any other driver failure
   */
  long allocate(long bytes);

  /** Returns memory obtained from {@link #allocate} to the driver. */
  void free(long address);

  /** One line on the device's own view of its memory (free / total) for out-of-memory messages. */
  default String describe() {
    return "";
  }
}
