package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.backend.MemoryStats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The allocator's bookkeeping against a fake driver: no GPU needed. */
class CachingAllocatorTest {
  private static final long MIB = 1 << 20;

  @Test
  void roundsToHalfKilobyteGranularity() {
    assertEquals(512, CachingAllocator.roundSize(0));
    assertEquals(512, CachingAllocator.roundSize(1));
    assertEquals(512, CachingAllocator.roundSize(512));
    assertEquals(1024, CachingAllocator.roundSize(513));
    assertEquals(3 * MIB, CachingAllocator.roundSize(3 * MIB));
    assertEquals(2 * MIB, CachingAllocator.segmentSize(1000));
    assertEquals(2 * MIB, CachingAllocator.segmentSize(MIB + 512));
    assertEquals(4 * MIB, CachingAllocator.segmentSize(3 * MIB));
    assertThrows(IllegalArgumentException.class, () -> CachingAllocator.roundSize(-1));
  }

  @Test
  void smallRequestsShareOneSegment() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var a = alloc.allocate(100);
    var b = alloc.allocate(4000);
    var c = alloc.allocate(512);
    assertEquals(1, fake.allocations, "three small blocks carved from one 2 MiB segment");
    assertEquals(512, a.size());
    assertEquals(4096, b.size());
    assertEquals(a.address() + 512, b.address());
    assertEquals(b.address() + 4096, c.address());
    MemoryStats s = alloc.stats();
    assertEquals(3, s.liveBlocks());
    assertEquals(512 + 4096 + 512, s.allocatedBytes());
    assertEquals(2 * MIB, s.reservedBytes());
    assertEquals(1, s.systemAllocations());
  }

  @Test
  void freedBlockIsReusedForTheSameSize() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var big = alloc.allocate(5 * MIB);
    long address = big.address();
    alloc.free(big);
    var again = alloc.allocate(5 * MIB - 100);
    assertEquals(address, again.address());
    assertEquals(1, fake.allocations);
    assertEquals(0, fake.frees, "freeing returns to the cache, not the driver");
  }

  @Test
  void secondIdenticalTrainingStepAllocatesNothingFromTheDriver() {
    FakeDeviceMemory fake = new FakeDeviceMemory(1L << 32);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    long[] sizes = {784 * 512 * 4, 512 * 4, 512 * 10 * 4, 10 * 4, 64 * 784 * 4, 64 * 512 * 4,
        64 * 10 * 4, 4, 64 * 512 * 4, 64 * 784 * 4, 3 * 1024 * 1024 + 17};
    step(alloc, sizes);
    int afterFirst = fake.allocations;
    long peak = alloc.stats().peakAllocatedBytes();
    for (int i = 0; i < 5; i++) {
      step(alloc, sizes);
    }
    assertEquals(afterFirst, fake.allocations, "steps after the first reuse cached blocks");
    assertEquals(peak, alloc.stats().peakAllocatedBytes());
    assertEquals(0, alloc.stats().liveBlocks());
    assertEquals(0, alloc.stats().allocatedBytes());
  }

  /** Allocates every size, frees in a different order (as a training step's temporaries go). */
  private static void step(CachingAllocator alloc, long[] sizes) {
    List<CachingAllocator.Block> blocks = new ArrayList<>();
    for (long s : sizes) {
      blocks.add(alloc.allocate(s));
    }
    for (int i = 0; i < blocks.size(); i += 2) {
      alloc.free(blocks.get(i));
    }
    for (int i = 1; i < blocks.size(); i += 2) {
      alloc.free(blocks.get(i));
    }
  }

  @Test
  void freeMergesNeighboursBackIntoWholeSegment() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var a = alloc.allocate(1000);
    var b = alloc.allocate(1000);
    var c = alloc.allocate(1000);
    alloc.free(a);
    alloc.free(c);
    alloc.free(b); // merges with both sides
    alloc.emptyCache();
    assertEquals(1, fake.frees, "the merged segment is wholly free and goes back");
    assertEquals(0, alloc.stats().reservedBytes());
    assertEquals(0, fake.used());
  }

  @Test
  void liveBlocksNeverOverlap() {
    FakeDeviceMemory fake = new FakeDeviceMemory(1L << 34);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    Random r = new Random(42);
    List<CachingAllocator.Block> live = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      if (!live.isEmpty() && r.nextInt(3) == 0) {
        alloc.free(live.remove(r.nextInt(live.size())));
      } else {
        long size = r.nextBoolean() ? 1 + r.nextInt(200_000) : 1 + r.nextInt(8 << 20);
        var b = alloc.allocate(size);
        assertTrue(b.size() >= size);
        live.add(b);
      }
      if (i % 500 == 0) {
        assertDisjoint(live);
      }
    }
    assertDisjoint(live);
    long sum = live.stream().mapToLong(CachingAllocator.Block::size).sum();
    assertEquals(sum, alloc.stats().allocatedBytes());
    assertTrue(alloc.stats().reservedBytes() >= sum);
    live.forEach(alloc::free);
    alloc.emptyCache();
    assertEquals(0, alloc.stats().reservedBytes(), "everything merged back into whole segments");
    assertEquals(0, fake.liveSegments());
  }

  private static void assertDisjoint(List<CachingAllocator.Block> blocks) {
    var sorted = new ArrayList<>(blocks);
    sorted.sort((x, y) -> Long.compare(x.address(), y.address()));
    for (int i = 1; i < sorted.size(); i++) {
      var p = sorted.get(i - 1);
      assertTrue(p.address() + p.size() <= sorted.get(i).address(), "blocks overlap");
    }
    Set<Long> addresses = new HashSet<>();
    blocks.forEach(b -> assertTrue(addresses.add(b.address())));
  }

  @Test
  void outOfMemoryEmptiesTheCacheAndRetriesOnce() {
    FakeDeviceMemory fake = new FakeDeviceMemory(10 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var a = alloc.allocate(6 * MIB);
    alloc.free(a); // cached: the fake now has only 4 MiB left
    var b = alloc.allocate(8 * MIB); // does not fit beside the cache; fits once it is released
    assertEquals(1, fake.failures);
    assertEquals(1, fake.frees);
    assertEquals(8 * MIB, b.size());
    assertEquals(8 * MIB, alloc.stats().reservedBytes());
  }

  @Test
  void outOfMemoryAfterRetrySaysRequestedInUseAndCached() {
    FakeDeviceMemory fake = new FakeDeviceMemory(9 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    alloc.allocate(6 * MIB);
    var small = alloc.allocate(1000);
    alloc.free(small); // a partly used small segment stays cached
    var e = assertThrows(DeviceOutOfMemoryException.class, () -> alloc.allocate(3 * MIB));
    String m = e.getMessage();
    assertEquals(2, fake.failures, "tried, emptied the cache, tried once more");
    assertTrue(m.contains("fake:0"), m);
    assertTrue(m.contains("tried to allocate 3.0 MiB"), m);
    assertTrue(m.contains("6.0 MiB in use by 1 live storages"), m);
    assertTrue(m.contains("0 B cached after emptying the cache"), m);
    assertTrue(m.contains("the fake device has"), m);
  }

  @Test
  void doubleFreeIsRejectedAndCloseReturnsEverything() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var a = alloc.allocate(100);
    alloc.allocate(5 * MIB);
    alloc.free(a);
    assertThrows(IllegalStateException.class, () -> alloc.free(a));
    alloc.close();
    assertEquals(0, fake.liveSegments());
    assertThrows(IllegalStateException.class, () -> alloc.allocate(1));
  }

  @Test
  void largeSegmentsAreNotSplitIntoSlivers() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var a = alloc.allocate(MIB + 512 * 3); // 2 MiB segment; remainder < 1 MiB stays with the block
    assertEquals(2 * MIB, a.size());
    var b = alloc.allocate(5 * MIB);
    alloc.free(b);
    var c = alloc.allocate(2 * MIB); // from the 6 MiB segment, remainder 4 MiB split off
    assertEquals(2 * MIB, c.size());
    assertNotEquals(a.address(), c.address());
    assertEquals(2, fake.allocations);
  }
}
