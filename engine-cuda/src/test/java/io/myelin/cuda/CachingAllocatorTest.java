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
    assertEquals(
        100 + 4000 + 512, s.allocatedBytes(), "the bytes asked for, not the rounded blocks");
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
    long[] sizes = {
      784 * 512 * 4,
      512 * 4,
      512 * 10 * 4,
      10 * 4,
      64 * 784 * 4,
      64 * 512 * 4,
      64 * 10 * 4,
      4,
      64 * 512 * 4,
      64 * 784 * 4,
      3 * 1024 * 1024 + 17
    };
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
    long sum = live.stream().mapToLong(CachingAllocator.Block::requested).sum();
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

  // ---- graph pools ----------------------------------------------------------------------------

  @Test
  void blocksOfACaptureAreNotHandedOutAgainUntilTheGraphCloses() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var pool = alloc.beginGraphPool();
    var a = alloc.allocate(1000);
    alloc.free(a); // freed inside the capture: kept for it
    alloc.endGraphPool(pool);
    assertEquals(1024, alloc.freeBytes(pool));
    for (int i = 0; i < 20; i++) {
      assertNotEquals(
          a.address(), alloc.allocate(1000).address(), "handed out while the graph lives");
    }
    alloc.releaseGraphPool(pool);
    assertEquals(0, alloc.freeBytes(pool));
    assertEquals(
        a.address(), alloc.allocate(1000).address(), "back in the normal pool after close");
  }

  @Test
  void aCaptureReusesWhatItFreedItself() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var pool = alloc.beginGraphPool();
    var a = alloc.allocate(3000);
    long address = a.address();
    alloc.free(a);
    var b = alloc.allocate(2500); // same rounded size: the graph's own free block first
    assertEquals(address, b.address());
    var big = alloc.allocate(5 * MIB);
    alloc.free(big);
    assertEquals(big.address(), alloc.allocate(5 * MIB).address());
    alloc.endGraphPool(pool);
    assertEquals(2, fake.allocations, "one small and one large segment");
  }

  @Test
  void blocksFreedAfterTheCaptureStayWithTheGraph() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var pool = alloc.beginGraphPool();
    var output = alloc.allocate(1000); // a graph output the caller keeps after the capture
    alloc.endGraphPool(pool);
    alloc.free(output); // the graph still writes there at each replay
    assertEquals(1024, alloc.freeBytes(pool));
    assertNotEquals(output.address(), alloc.allocate(1000).address());
    alloc.releaseGraphPool(pool);
    assertEquals(output.address(), alloc.allocate(1000).address());
  }

  @Test
  void blocksAllocatedBeforeTheCaptureAndFreedDuringItAreHeldForTheGraph() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var input = alloc.allocate(1000); // e.g. an activation of the eager step before
    var pool = alloc.beginGraphPool();
    alloc.free(input); // the captured calls may have read it: a replay reads it again
    alloc.endGraphPool(pool);
    assertEquals(1024, alloc.freeBytes(pool));
    assertNotEquals(input.address(), alloc.allocate(1000).address());
    alloc.releaseGraphPool(pool);
    assertEquals(input.address(), alloc.allocate(1000).address());
  }

  @Test
  void liveBlocksOfAClosedGraphGoBackToTheNormalPoolWhenFreed() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var pool = alloc.beginGraphPool();
    var kept = alloc.allocate(1000);
    alloc.endGraphPool(pool);
    alloc.releaseGraphPool(pool);
    alloc.free(kept);
    assertEquals(0, alloc.freeBytes(pool));
    assertEquals(kept.address(), alloc.allocate(1000).address());
  }

  @Test
  void aSecondGraphDoesNotReuseTheFirstGraphsBlocks() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var first = alloc.beginGraphPool();
    var a = alloc.allocate(1000);
    alloc.free(a);
    alloc.endGraphPool(first);
    var second = alloc.beginGraphPool();
    var b = alloc.allocate(1000);
    assertNotEquals(a.address(), b.address());
    alloc.free(b);
    alloc.endGraphPool(second);
    assertEquals(1024, alloc.freeBytes(first));
    assertEquals(1024, alloc.freeBytes(second));
    alloc.releaseGraphPool(first);
    alloc.releaseGraphPool(second);
    alloc.emptyCache();
    assertEquals(0, alloc.stats().reservedBytes(), "everything merged back into a free segment");
    assertEquals(0, fake.liveSegments());
  }

  @Test
  void graphBlocksDoNotMergeWithNormalNeighbours() {
    FakeDeviceMemory fake = new FakeDeviceMemory(64 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    var before = alloc.allocate(1000);
    var pool = alloc.beginGraphPool();
    var inGraph = alloc.allocate(1000); // right after `before` in the same segment
    assertEquals(before.address() + 1024, inGraph.address());
    alloc.free(inGraph);
    alloc.endGraphPool(pool);
    alloc.free(before); // normal, next to a free block of the graph: must stay apart
    alloc.emptyCache();
    assertEquals(1, fake.liveSegments(), "the segment is not wholly free while the graph lives");
    assertEquals(1024, alloc.freeBytes(pool));
    alloc.releaseGraphPool(pool);
    alloc.emptyCache();
    assertEquals(0, fake.liveSegments(), "merged into one free segment once the graph is gone");
  }

  @Test
  void outOfMemoryDuringACaptureDoesNotEmptyTheCache() {
    FakeDeviceMemory fake = new FakeDeviceMemory(10 * MIB);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    alloc.free(alloc.allocate(6 * MIB)); // cached
    var pool = alloc.beginGraphPool();
    var e = assertThrows(DeviceOutOfMemoryException.class, () -> alloc.allocate(8 * MIB));
    assertEquals(0, fake.frees, "cuMemFree is illegal inside a capture");
    assertEquals(1, fake.failures, "no retry");
    assertTrue(e.getMessage().contains("not emptied: a graph capture is running"), e.getMessage());
    alloc.endGraphPool(pool);
    alloc.releaseGraphPool(pool);
    assertEquals(
        8 * MIB, alloc.allocate(8 * MIB).size(), "after the capture the retry works again");
  }

  @Test
  void oneCaptureAtATimeAndReleaseIsIdempotent() {
    CachingAllocator alloc = new CachingAllocator(new FakeDeviceMemory(64 * MIB), "fake:0");
    var pool = alloc.beginGraphPool();
    assertThrows(IllegalStateException.class, alloc::beginGraphPool);
    alloc.endGraphPool(pool);
    alloc.releaseGraphPool(pool);
    alloc.releaseGraphPool(pool);
    alloc.close();
    assertThrows(IllegalStateException.class, alloc::beginGraphPool);
  }

  @Test
  void randomCapturesKeepBlocksDisjointReservedAndAccounted() {
    FakeDeviceMemory fake = new FakeDeviceMemory(1L << 34);
    CachingAllocator alloc = new CachingAllocator(fake, "fake:0");
    Random r = new Random(7);
    List<CachingAllocator.Block> live = new ArrayList<>();
    List<CachingAllocator.GraphPool> graphs = new ArrayList<>();
    // Addresses each living graph reserves: what it allocated during its capture.
    List<Set<Long>> reserved = new ArrayList<>();
    CachingAllocator.GraphPool capturing = null;
    Set<Long> capturedNow = null;
    for (int i = 0; i < 4000; i++) {
      int op = r.nextInt(10);
      if (op < 4 || live.isEmpty()) {
        long size = r.nextBoolean() ? 1 + r.nextInt(100_000) : 1 + r.nextInt(4 << 20);
        var b = alloc.allocate(size);
        for (Set<Long> g : reserved) {
          assertTrue(!g.contains(b.address()), "handed out a block another living graph reserves");
        }
        if (capturing != null) {
          capturedNow.add(b.address());
        }
        live.add(b);
      } else if (op < 8) {
        alloc.free(live.remove(r.nextInt(live.size())));
      } else if (op == 8) {
        if (capturing == null) {
          capturing = alloc.beginGraphPool();
          capturedNow = new HashSet<>();
        } else {
          alloc.endGraphPool(capturing);
          graphs.add(capturing);
          reserved.add(capturedNow);
          capturing = null;
        }
      } else if (!graphs.isEmpty() && capturing == null) {
        int k = r.nextInt(graphs.size());
        alloc.releaseGraphPool(graphs.remove(k));
        reserved.remove(k);
      }
      if (i % 400 == 0) {
        assertDisjoint(live);
      }
    }
    assertDisjoint(live);
    long sum = live.stream().mapToLong(CachingAllocator.Block::requested).sum();
    assertEquals(sum, alloc.stats().allocatedBytes());
    live.forEach(alloc::free);
    if (capturing != null) {
      alloc.endGraphPool(capturing);
      graphs.add(capturing);
    }
    graphs.forEach(alloc::releaseGraphPool);
    alloc.emptyCache();
    assertEquals(0, alloc.stats().reservedBytes(), "every block merged back into whole segments");
    assertEquals(0, fake.liveSegments());
  }
}
