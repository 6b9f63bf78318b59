package io.myelin.backend;

/**
 * Memory figures of one backend device, in bytes unless named otherwise.
 *
 * @param liveBlocks storages allocated and not yet freed
 * @param allocatedBytes bytes held by live storages
 * @param peakAllocatedBytes the high-water mark of {@code allocatedBytes}
 * @param reservedBytes bytes the backend holds in total (live plus cached in pools)
 * @param systemAllocations allocations that went to the system (heap arrays not taken from a pool,
 *     driver {@code cuMemAlloc} calls)
 */
public record MemoryStats(
    long liveBlocks,
    long allocatedBytes,
    long peakAllocatedBytes,
    long reservedBytes,
    long systemAllocations) {}
