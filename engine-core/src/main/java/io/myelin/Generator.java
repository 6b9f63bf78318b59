package io.myelin;

import io.myelin.backend.Philox;

/**
 * A seeded source of random numbers: a Philox4x32-10 key (the seed) and the next free block
 * counter. Each random fill reserves the blocks it uses, so results depend only on the seed and
 * the sequence of calls, never on the device or the number of threads.
 *
 * <p>Not thread-safe: give each thread its own generator. {@link #state()} and {@link
 * #setState(long)} save and restore the position (checkpoints use them).
 */
public final class Generator {
  private final long seed;
  private long counter;

  public Generator(long seed) {
    this.seed = seed;
  }

  public long seed() {
    return seed;
  }

  /** The next free block counter. */
  public long state() {
    return counter;
  }

  /** Restores a position saved with {@link #state()}. */
  public void setState(long blockCounter) {
    if (blockCounter < 0) {
      throw new IllegalArgumentException("negative generator state " + blockCounter);
    }
    this.counter = blockCounter;
  }

  /** Reserves the blocks for {@code n} elements and returns the first block counter. */
  public long reserve(long n) {
    long start = counter;
    counter += Philox.blocksFor(n);
    return start;
  }

  /** A fresh seed derived from this stream, for components that need their own generator. */
  public long nextSeed() {
    int[] w = new int[4];
    Philox.block(seed, reserve(4), w);
    return ((long) w[0] << 32) | (w[1] & 0xFFFFFFFFL);
  }
}
