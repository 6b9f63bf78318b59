package io.myelin;

import io.myelin.backend.Philox;

/**
 * A seeded source of random numbers: a Philox4x32-10 key (the seed) and the next free block
 * counter. Each random fill reserves the blocks it uses, so results depend only on the seed and the
 * sequence of calls, never on the device or the number of threads.
 *
 * <p>Not thread-safe: give each thread its own generator. {@link #state()} and {@link
 * #setState(long)} save and restore the position (checkpoints use them).
 *
 * <p><b>The global seed.</b> Layers made without a generator ({@code new Linear(4, 3)}) draw theirs
 * from one process-wide default stream, as PyTorch's modules draw from its default generator.
 * {@link #manualSeed(long)} restarts that stream ({@code torch.manual_seed}); until it is called
 * the stream starts from {@link #DEFAULT_SEED}, so a program that builds the same layers in the
 * same order gets the same weights run after run - PyTorch's default behaviour on the CPU, chosen
 * over Keras' unseeded default so that results are reproducible unless asked otherwise.
 */
public final class Generator {
  /**
   * The default stream's seed until {@link #manualSeed(long)} is called (PyTorch's CPU default).
   */
  public static final long DEFAULT_SEED = 67280421310721L;

  private static final Object DEFAULT_LOCK = new Object();
  private static Generator defaultStream = new Generator(DEFAULT_SEED);

  private final long seed;
  private long counter;
  private Tensor deviceCounter;
  private boolean bound;
  private long boundBase;

  public Generator(long seed) {
    this.seed = seed;
  }

  /** Restarts the default stream from {@code seed}: layers made afterwards are reproducible. */
  public static void manualSeed(long seed) {
    synchronized (DEFAULT_LOCK) {
      defaultStream = new Generator(seed);
    }
  }

  /**
   * A new generator for a component made without one (a layer's initial weights, a dropout mask
   * stream), seeded from the next value of the default stream. Thread-safe.
   */
  public static Generator fromDefault() {
    synchronized (DEFAULT_LOCK) {
      return new Generator(defaultStream.nextSeed());
    }
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

  /**
   * Writes this generator's position into a one-element float64 tensor on {@code device} (made once
   * and kept) and, until {@link #unbindDevice()}, makes dropout read its Philox counter from there
   * ({@link io.myelin.backend.Backend#dropoutCounted}) as an offset from this position. A {@code
   * TrainingStep} binds before each step and unbinds after, so a captured step, replayed, draws the
   * masks the eager step would draw: the recorded calls read the position written before the
   * replay, not the one seen at capture.
   */
  public void bindDevice(Device device) {
    if (deviceCounter == null || !deviceCounter.device().equals(device)) {
      if (deviceCounter != null) {
        deviceCounter.close();
      }
      deviceCounter = Tensor.zeros(device, DType.FLOAT64, 1).persist();
    }
    deviceCounter
        .storage()
        .backend()
        .copyFromHost(new double[] {counter}, 0, deviceCounter.storage(), 0, 1);
    boundBase = counter;
    bound = true;
  }

  /** Ends {@link #bindDevice}: dropout takes its counter by value again. */
  public void unbindDevice() {
    bound = false;
  }

  /** The bound counter cell on {@code device}, or null when not bound there. */
  public Tensor boundCounter(Device device) {
    return bound && deviceCounter.device().equals(device) ? deviceCounter : null;
  }

  /** The position written by the last {@link #bindDevice} (offsets are taken from it). */
  public long boundBase() {
    return boundBase;
  }
}
