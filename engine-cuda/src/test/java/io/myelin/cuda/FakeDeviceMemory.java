package io.myelin.cuda;

import java.util.HashMap;
import java.util.Map;

/** A device with {@code capacity} bytes and a bump-pointer address space, for allocator tests. */
final class FakeDeviceMemory implements DeviceMemory {
  private final long capacity;
  private final Map<Long, Long> live = new HashMap<>();
  private long nextAddress = 0x7f00_0000_0000L;
  private long used;
  int allocations;
  int frees;
  int failures;

  FakeDeviceMemory(long capacity) {
    this.capacity = capacity;
  }

  @Override
  public long allocate(long bytes) {
    if (used + bytes > capacity) {
      failures++;
      return 0;
    }
    long a = nextAddress;
    nextAddress += bytes + 4096; // gaps, so merging across segments would show up as a bug
    live.put(a, bytes);
    used += bytes;
    allocations++;
    return a;
  }

  @Override
  public void free(long address) {
    Long bytes = live.remove(address);
    if (bytes == null) {
      throw new IllegalStateException("free of unknown address 0x" + Long.toHexString(address));
    }
    used -= bytes;
    frees++;
  }

  @Override
  public String describe() {
    return "the fake device has " + (capacity - used) + " bytes free";
  }

  long used() {
    return used;
  }

  int liveSegments() {
    return live.size();
  }
}
