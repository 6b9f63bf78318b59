package io.myelin.cuda;

import io.myelin.backend.MemoryStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * A size-binned caching allocator for device memory, modelled on PyTorch's: freed blocks go back to
 * a free list instead of the driver, so after its first step a training loop allocates nothing from
 * the driver ({@code cuMemAlloc} synchronises the device and costs milliseconds).
 *
 * <h2>Policy</h2>
 *
 * <ul>
 *   <li>Requests are rounded up to a multiple of {@value #MIN_BLOCK} bytes (at least one).
 *   <li>Requests of at most {@value #SMALL_LIMIT} bytes come from the small pool, carved out of
 *       {@value #SMALL_SEGMENT}-byte driver segments; larger ones from the large pool, whose
 *       segments are the request rounded up to {@value #LARGE_ROUND} bytes.
 *   <li>Best fit: the smallest free block of the pool that is large enough. A block is split when
 *       the remainder is at least {@value #MIN_BLOCK} bytes (small pool) or more than {@value
 *       #SMALL_LIMIT} bytes (large pool), so large segments do not fill with small slivers.
 *   <li>A freed block merges with free neighbours of the same segment.
 *   <li>When the driver reports out-of-memory, every wholly free segment is returned to the driver
 *       and the request retried once; a second failure throws {@link DeviceOutOfMemoryException}
 *       stating the request, the bytes in use and the bytes cached.
 * </ul>
 *
 * <p>Reuse is safe without events because every kernel and copy runs on the backend's one stream:
 * work enqueued after a free is ordered after the work that used the block.
 *
 * <h2>Graph pools</h2>
 *
 * A captured CUDA graph replays its kernels on the addresses they had at capture time, long after
 * the storages that held those addresses were released; so the memory a capture touches must not be
 * handed to anyone else while the graph lives (PyTorch's private graph pools). Between {@link
 * #beginGraphPool} and {@link #endGraphPool}:
 *
 * <ul>
 *   <li>every block handed out belongs to the capture's {@link GraphPool}: it comes from that
 *       pool's free blocks first, else from the normal free lists or a new segment (the part split
 *       off stays normal);
 *   <li>every block freed goes to the pool, including blocks allocated before the capture (the
 *       captured calls may have used them, and will again at each replay);
 *   <li>the cache is not emptied on out-of-memory ({@code cuMemFree} is illegal inside a capture).
 * </ul>
 *
 * A pool's blocks freed later (while the graph lives) go back to it as well, and are reused only by
 * allocations of its own capture, which the captured order makes safe. {@link #releaseGraphPool}
 * (the graph closed) returns its free blocks to the normal lists, merging them with their
 * neighbours; its blocks still live return there when freed. Blocks of different owners never
 * merge. One capture at a time.
 *
 * <p>Thread-safe: every public method is synchronised.
 */
public final class CachingAllocator implements AutoCloseable {
  /** Allocation granularity in bytes; also the smallest block. */
  public static final long MIN_BLOCK = 512;

  /** Largest request served by the small pool. */
  public static final long SMALL_LIMIT = 1L << 20;

  /** Driver segment size of the small pool. */
  public static final long SMALL_SEGMENT = 2L << 20;

  /** Granularity of large-pool segments. */
  public static final long LARGE_ROUND = 2L << 20;

  /** A piece of a driver segment, live or free. */
  public static final class Block {
    private final long address;
    private long size;

    /** The bytes asked for (what {@link #stats()} counts as allocated); 0 while free. */
    private long requested;

    private final boolean small;
    private Block prev;
    private Block next;
    private boolean free;

    /** The graph pool reserving this block, or null for the normal pool. */
    private GraphPool owner;

    private Block(long address, long size, boolean small) {
      this.address = address;
      this.size = size;
      this.small = small;
    }

    /** Device address of the first byte. */
    public long address() {
      return address;
    }

    /** Usable bytes (the rounded request, or more when a remainder was too small to split). */
    public long size() {
      return size;
    }

    /** The bytes the allocation asked for. */
    public long requested() {
      return requested;
    }

    private boolean wholeSegment() {
      return prev == null && next == null;
    }
  }

  /**
   * The blocks one captured graph reserves: its free lists, filled by blocks freed during and after
   * the capture. Its methods are the allocator's (an opaque handle).
   */
  public static final class GraphPool {
    private final TreeSet<Block> smallFree = new TreeSet<>(BY_SIZE);
    private final TreeSet<Block> largeFree = new TreeSet<>(BY_SIZE);
    private boolean released;

    private GraphPool() {}
  }

  private static final Comparator<Block> BY_SIZE =
      Comparator.comparingLong((Block b) -> b.size).thenComparingLong(b -> b.address);

  private final DeviceMemory driver;
  private final String deviceName;
  private final TreeSet<Block> smallFree = new TreeSet<>(BY_SIZE);
  private final TreeSet<Block> largeFree = new TreeSet<>(BY_SIZE);
  private final List<Block> segments = new ArrayList<>();

  /** The pool of the capture running now, or null. */
  private GraphPool capturing;

  private long liveBlocks;

  /** Bytes of live blocks, rounded as carved (reserved minus this is the cache). */
  private long allocatedBytes;

  /**
   * Bytes live storages asked for: MemoryStats' allocated bytes are "bytes held by live storages"
   * (the SPI's contract, as the CPU backend counts them), not the rounded block sizes.
   */
  private long requestedBytes;

  private long peakRequestedBytes;
  private long reservedBytes;
  private long driverAllocations;
  private boolean closed;

  /**
   * @param driver the driver calls
   * @param deviceName used in out-of-memory messages (e.g. {@code cuda:0})
   */
  public CachingAllocator(DeviceMemory driver, String deviceName) {
    this.driver = driver;
    this.deviceName = deviceName;
  }

  /**
   * The size a request of {@code bytes} occupies: a multiple of {@value #MIN_BLOCK}, at least one.
   */
  public static long roundSize(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative allocation size " + bytes);
    }
    return bytes <= MIN_BLOCK ? MIN_BLOCK : (bytes + MIN_BLOCK - 1) / MIN_BLOCK * MIN_BLOCK;
  }

  /** The driver segment size that serves a rounded request of {@code size} bytes. */
  static long segmentSize(long size) {
    return size <= SMALL_LIMIT
        ? SMALL_SEGMENT
        : (size + LARGE_ROUND - 1) / LARGE_ROUND * LARGE_ROUND;
  }

  /**
   * Returns a block of at least {@code bytes} bytes.
   *
   * @throws DeviceOutOfMemoryException when the device has no room even after emptying the cache
   */
  public synchronized Block allocate(long bytes) {
    if (closed) {
      throw new IllegalStateException("allocator of " + deviceName + " is closed");
    }
    long size = roundSize(bytes);
    boolean small = size <= SMALL_LIMIT;
    GraphPool graph = capturing;
    Block block = graph == null ? null : take(freeList(graph, small), size);
    GraphPool tailOwner = graph;
    if (block == null) {
      block = take(freeList(null, small), size);
      if (block == null) {
        block = newSegment(size, small);
      }
      block.owner = graph;
      tailOwner = null; // what is split off a normal block stays normal
    }
    block.free = false;
    split(block, size, tailOwner);
    liveBlocks++;
    allocatedBytes += block.size;
    block.requested = bytes;
    requestedBytes += bytes;
    peakRequestedBytes = Math.max(peakRequestedBytes, requestedBytes);
    return block;
  }

  /**
   * Returns a block to its pool (not to the driver): the normal free lists, or the graph pool that
   * owns it, or the running capture's pool (see the class comment). Freeing twice is an error.
   */
  public synchronized void free(Block block) {
    if (block.free) {
      throw new IllegalStateException(
          "block at 0x" + Long.toHexString(block.address) + " freed twice");
    }
    if (closed) {
      return; // the segments are gone already
    }
    liveBlocks--;
    allocatedBytes -= block.size;
    requestedBytes -= block.requested;
    block.requested = 0;
    GraphPool owner = block.owner;
    if (owner != null && owner.released) {
      owner = null;
    }
    if (owner == null) {
      owner = capturing;
    }
    block.owner = owner;
    insertFree(block);
  }

  /**
   * Starts reserving memory for a capture: until {@link #endGraphPool}, allocations and frees go
   * through the returned pool (see the class comment).
   *
   * @throws IllegalStateException when a capture's pool is already open
   */
  public synchronized GraphPool beginGraphPool() {
    if (closed) {
      throw new IllegalStateException("allocator of " + deviceName + " is closed");
    }
    if (capturing != null) {
      throw new IllegalStateException(
          "a graph capture is already reserving memory on " + deviceName);
    }
    capturing = new GraphPool();
    return capturing;
  }

  /** Ends the capture of {@code pool}: allocations come from the normal pool again. */
  public synchronized void endGraphPool(GraphPool pool) {
    if (capturing == pool) {
      capturing = null;
    }
  }

  /**
   * The graph of {@code pool} is gone: its free blocks return to the normal lists now, its live
   * ones when they are freed. Idempotent.
   */
  public synchronized void releaseGraphPool(GraphPool pool) {
    if (pool.released) {
      return;
    }
    pool.released = true;
    endGraphPool(pool);
    if (closed) {
      return;
    }
    List<Block> blocks = new ArrayList<>(pool.smallFree);
    blocks.addAll(pool.largeFree);
    pool.smallFree.clear();
    pool.largeFree.clear();
    for (Block b : blocks) {
      b.owner = null;
      insertFree(b);
    }
  }

  /** Bytes held in the free blocks of {@code pool} (memory reserved for its graph, not in use). */
  public synchronized long freeBytes(GraphPool pool) {
    long sum = 0;
    for (Block b : pool.smallFree) {
      sum += b.size;
    }
    for (Block b : pool.largeFree) {
      sum += b.size;
    }
    return sum;
  }

  /**
   * Returns every wholly free segment of the normal pool to the driver; live blocks and graph pools
   * are untouched. Not during a capture (the caller makes sure).
   */
  public synchronized void emptyCache() {
    release(smallFree);
    release(largeFree);
  }

  /**
   * Current figures: live blocks, allocated / peak bytes (as requested by the storages), reserved
   * bytes, driver allocations.
   */
  public synchronized MemoryStats stats() {
    return new MemoryStats(
        liveBlocks, requestedBytes, peakRequestedBytes, reservedBytes, driverAllocations);
  }

  /** Bytes held in free blocks (reserved minus allocated). */
  public synchronized long cachedBytes() {
    return reservedBytes - allocatedBytes;
  }

  /** Frees every segment, live or not. Blocks handed out earlier become invalid. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Block s : segments) {
      driver.free(s.address);
    }
    segments.clear();
    smallFree.clear();
    largeFree.clear();
    reservedBytes = 0;
    allocatedBytes = 0;
    requestedBytes = 0;
    liveBlocks = 0;
  }

  private static Block probe(long size) {
    return new Block(Long.MIN_VALUE, size, false);
  }

  private TreeSet<Block> freeList(GraphPool owner, boolean small) {
    if (owner == null) {
      return small ? smallFree : largeFree;
    }
    return small ? owner.smallFree : owner.largeFree;
  }

  /** Removes and returns the best-fitting free block of {@code pool}, or null. */
  private static Block take(TreeSet<Block> pool, long size) {
    Block block = pool.ceiling(probe(size));
    if (block != null) {
      pool.remove(block);
    }
    return block;
  }

  /** Marks {@code block} free, merges it with free neighbours of the same owner and lists it. */
  private void insertFree(Block block) {
    block.free = true;
    TreeSet<Block> pool = freeList(block.owner, block.small);
    Block p = block.prev;
    if (p != null && p.free && p.owner == block.owner) {
      pool.remove(p);
      p.size += block.size;
      p.next = block.next;
      if (block.next != null) {
        block.next.prev = p;
      }
      block = p;
    }
    Block n = block.next;
    if (n != null && n.free && n.owner == block.owner) {
      pool.remove(n);
      block.size += n.size;
      block.next = n.next;
      if (n.next != null) {
        n.next.prev = block;
      }
    }
    pool.add(block);
  }

  private Block newSegment(long size, boolean small) {
    long bytes = small ? SMALL_SEGMENT : segmentSize(size);
    long address = driver.allocate(bytes);
    if (address == 0 && capturing == null) {
      emptyCache();
      address = driver.allocate(bytes);
    }
    if (address == 0) {
      String device = driver.describe();
      String cached =
          capturing == null
              ? " cached after emptying the cache, "
              : " cached (not emptied: a graph capture is running), ";
      throw new DeviceOutOfMemoryException(
          "CUDA out of memory on "
              + deviceName
              + ": tried to allocate "
              + MemoryText.bytes(size)
              + " (a "
              + MemoryText.bytes(bytes)
              + " segment); "
              + MemoryText.bytes(allocatedBytes)
              + " in use by "
              + liveBlocks
              + " live storages, "
              + MemoryText.bytes(reservedBytes - allocatedBytes)
              + cached
              + MemoryText.bytes(reservedBytes)
              + " reserved in total"
              + (device.isEmpty() ? "" : "; " + device)
              + ". Free tensors sooner (MemoryScope) or use a smaller batch.");
    }
    driverAllocations++;
    reservedBytes += bytes;
    Block segment = new Block(address, bytes, small);
    segments.add(segment);
    return segment;
  }

  /**
   * Splits the tail off a block being handed out; the tail is free and belongs to {@code owner}.
   */
  private void split(Block block, long size, GraphPool owner) {
    long rest = block.size - size;
    boolean worthIt = block.small ? rest >= MIN_BLOCK : rest > SMALL_LIMIT;
    if (!worthIt) {
      return;
    }
    Block tail = new Block(block.address + size, rest, block.small);
    tail.free = true;
    tail.owner = owner;
    tail.prev = block;
    tail.next = block.next;
    if (block.next != null) {
      block.next.prev = tail;
    }
    block.next = tail;
    block.size = size;
    // The block after the tail is live or owned by someone else (free same-owner neighbours are
    // always merged), so the tail joins its list unmerged.
    freeList(owner, tail.small).add(tail);
  }

  private void release(TreeSet<Block> pool) {
    var whole = pool.stream().filter(Block::wholeSegment).toList();
    for (Block b : whole) {
      pool.remove(b);
      segments.remove(b);
      driver.free(b.address);
      reservedBytes -= b.size;
    }
  }
}
