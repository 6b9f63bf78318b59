package io.myelin.data;

import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.memory.MemoryScope;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Iterates over an {@link ArrayDataset} in mini-batches on a device, as PyTorch's DataLoader.
 *
 * <ul>
 *   <li>{@code batchSize} 0 means the full dataset in one batch (full-batch gradient descent).
 *   <li>With {@code shuffle}, epoch {@code e} visits the rows in a permutation drawn from {@code
 *       (seed, e)} alone, so a resumed run sees the same order ({@link #epochOrder(int)}).
 *   <li>{@code dropLast} drops a final batch smaller than {@code batchSize}.
 *   <li>With {@code prefetch}, a background thread gathers the next batch's rows into host arrays
 *       while the current step runs, and the batch after the one handed out is copied to the device
 *       when it is handed out ({@link Tensor#ofAhead}): on a GPU that copy runs on a copy stream
 *       while the current step computes. The copies are issued on the consuming thread (so the
 *       device's current context applies); the look-ahead batch is closed with the loader if never
 *       taken.
 *   <li>With {@code resident}, the whole dataset is copied to the device once (at the first batch)
 *       and each batch is gathered there by index ({@link Tensor#indexSelectRows}): per batch only
 *       the row indices cross to the device. For datasets that fit in device memory next to the
 *       model (MNIST's 60,000 x 784 floats are 188 MB); the batches are the same values as without
 *       it. {@link #close()} frees the device copy.
 *   <li>With {@code augment}, each batch of {@link #epoch} is rewritten on the host by a {@link
 *       BatchAugmentation} (for instance {@link RandomShift}) before it goes to the device; {@link
 *       #all()} is never augmented. Augmentation needs host batches, so it excludes {@code
 *       resident}.
 * </ul>
 *
 * <pre>{@code
 * DataLoader loader = new DataLoader(train, DataLoader.Options.batches(128).shuffled(0), Device.CPU);
 * for (Batch b : loader.epoch(0)) {
 *   try (b) { ... b.features() ... b.targets() ... }
 * }
 * }</pre>
 *
 * Not thread-safe: one consumer at a time.
 */
public final class DataLoader implements AutoCloseable {

  /**
   * @param batchSize rows per batch, 0 for full batch
   * @param shuffle reshuffle each epoch
   * @param seed shuffle seed
   * @param dropLast drop the last incomplete batch
   * @param prefetch gather the next batch in the background
   * @param resident keep the dataset on the device and gather batches there
   * @param augment rewrites each training batch on the host, or null for none
   */
  public record Options(
      int batchSize,
      boolean shuffle,
      long seed,
      boolean dropLast,
      boolean prefetch,
      boolean resident,
      BatchAugmentation augment) {
    /** Options without augmentation. */
    public Options(
        int batchSize,
        boolean shuffle,
        long seed,
        boolean dropLast,
        boolean prefetch,
        boolean resident) {
      this(batchSize, shuffle, seed, dropLast, prefetch, resident, null);
    }

    /** Options without residency. */
    public Options(int batchSize, boolean shuffle, long seed, boolean dropLast, boolean prefetch) {
      this(batchSize, shuffle, seed, dropLast, prefetch, false);
    }

    public Options {
      if (batchSize < 0) {
        throw new IllegalArgumentException(
            "batch size must be >= 0 (0 = full batch), got " + batchSize);
      }
      if (resident && augment != null) {
        throw new IllegalArgumentException(
            "augmentation rewrites batches on the host: it cannot be combined with a resident"
                + " dataset");
      }
    }

    /** Batches of {@code size} in dataset order, keeping the last partial batch, prefetching. */
    public static Options batches(int size) {
      return new Options(size, false, 0, false, true, false);
    }

    public Options shuffled(long seed) {
      return new Options(batchSize, true, seed, dropLast, prefetch, resident, augment);
    }

    public Options droppingLast() {
      return new Options(batchSize, shuffle, seed, true, prefetch, resident, augment);
    }

    public Options withoutPrefetch() {
      return new Options(batchSize, shuffle, seed, dropLast, false, resident, augment);
    }

    /** Keeps the dataset on the device and gathers each batch there. */
    public Options residentOnDevice() {
      return new Options(batchSize, shuffle, seed, dropLast, prefetch, true, augment);
    }

    /** Rewrites each training batch with {@code a} on the host (see {@link BatchAugmentation}). */
    public Options augmented(BatchAugmentation a) {
      return new Options(batchSize, shuffle, seed, dropLast, prefetch, resident, a);
    }
  }

  private final ArrayDataset data;
  private final Options options;
  private final Device device;
  private ExecutorService prefetcher;
  private Batch lookAhead;
  private Tensor residentFeatures;
  private Tensor residentTargets;

  public DataLoader(ArrayDataset data, Options options, Device device) {
    this.data = data;
    this.options = options;
    this.device = device;
    if (data.rows() == 0) {
      throw new IllegalArgumentException("DataLoader: the dataset has no rows");
    }
  }

  /** A loader over any {@link Dataset} (a {@link TensorDataset}...), via its host arrays. */
  public DataLoader(Dataset data, Options options, Device device) {
    this(data.toArrayDataset(), options, device);
  }

  public ArrayDataset dataset() {
    return data;
  }

  public Options options() {
    return options;
  }

  /** Effective batch size (the dataset size for full batch). */
  public int batchSize() {
    return options.batchSize == 0 ? data.rows() : Math.min(options.batchSize, data.rows());
  }

  /** Batches per epoch. */
  public int batchesPerEpoch() {
    int b = batchSize();
    return options.dropLast ? data.rows() / b : (data.rows() + b - 1) / b;
  }

  /** The row order of epoch {@code epoch} (0-based): identity, or a seeded permutation. */
  public int[] epochOrder(int epoch) {
    int n = data.rows();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (options.shuffle) {
      // Fisher-Yates from a generator that depends only on (seed, epoch).
      SplittableRandom r = new SplittableRandom(options.seed * 0x9E3779B97F4A7C15L + epoch);
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** The batches of epoch {@code epoch}, starting at batch {@code firstBatch} (for resuming). */
  public Iterable<Batch> epoch(int epoch, int firstBatch) {
    int[] order = epochOrder(epoch);
    int b = batchSize();
    int count = batchesPerEpoch();
    return () ->
        new Iterator<>() {
          int next = firstBatch;
          CompletableFuture<HostBatch> pending = schedule(firstBatch);
          Batch ahead;

          private CompletableFuture<HostBatch> schedule(int i) {
            if (i >= count) {
              return null;
            }
            int from = i * b;
            int to = Math.min(order.length, from + b);
            int[] rows = java.util.Arrays.copyOfRange(order, from, to);
            if (options.resident) {
              return CompletableFuture.completedFuture(new HostBatch(rows, null, 0, null, null, 0));
            }
            if (options.prefetch && count > 1) {
              return CompletableFuture.supplyAsync(
                  () -> augment(gather(rows), epoch, i), executor());
            }
            return CompletableFuture.completedFuture(augment(gather(rows), epoch, i));
          }

          @Override
          public boolean hasNext() {
            return next < count;
          }

          @Override
          public Batch next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            if (options.resident) {
              HostBatch h = pending.join();
              next++;
              pending = schedule(next);
              return residentBatch(h.rows());
            }
            Batch current;
            if (ahead != null) {
              current = ahead; // uploaded at the last call; pending holds the batch after it
              ahead = null;
              // It was kept out of every scope while waiting; now it belongs where next() runs, as
              // a
              // batch uploaded by this call would.
              MemoryScope.register(current.features());
              if (current.targets() != null) {
                MemoryScope.register(current.targets());
              }
            } else {
              current = pending.join().toDevice(device, false);
              pending = schedule(next + 1);
            }
            next++;
            if (options.prefetch && pending != null) {
              // Start the next batch's upload before the caller issues this step's work, so that on
              // a GPU the copy overlaps the step.
              ahead = pending.join().toDevice(device, true);
              ahead.features().persist(); // not closed by a scope the caller closes before next()
              if (ahead.targets() != null) {
                ahead.targets().persist();
              }
              pending = schedule(next + 1);
            }
            lookAhead(ahead);
            return current;
          }
        };
  }

  public Iterable<Batch> epoch(int epoch) {
    return epoch(epoch, 0);
  }

  /** The rows as a single batch, in dataset order (evaluation). */
  public Batch all() {
    int[] rows = new int[data.rows()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i;
    }
    return gather(rows).toDevice(device, false);
  }

  /** The look-ahead batch an iterator holds now (closed with the loader if never handed out). */
  private synchronized void lookAhead(Batch b) {
    lookAhead = b;
  }

  /** The batch of {@code rows} gathered from the device copy of the dataset. */
  private Batch residentBatch(int[] rows) {
    if (residentFeatures == null) {
      try (var ignored = io.myelin.autograd.Autograd.noGrad()) {
        residentFeatures = Tensor.of(device, data.features(), data.rows(), data.cols()).persist();
        if (data.labels() != null) {
          residentTargets = Tensor.of(device, data.labels(), data.rows()).persist();
        } else if (data.targets() != null) {
          residentTargets =
              Tensor.of(device, data.targets(), data.rows(), data.targetCols()).persist();
        }
      }
    }
    try (var ignored = io.myelin.autograd.Autograd.noGrad();
        Tensor index = Tensor.of(device, rows, rows.length)) {
      Tensor fx = residentFeatures.indexSelectRows(index);
      Tensor fy = residentTargets == null ? null : residentTargets.indexSelectRows(index);
      return new Batch(fx, fy, rows);
    }
  }

  private synchronized ExecutorService executor() {
    if (prefetcher == null) {
      prefetcher =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "myelin-prefetch");
                t.setDaemon(true);
                return t;
              });
    }
    return prefetcher;
  }

  /** The training batch {@code batch} of {@code epoch}, after the options' augmentation. */
  private HostBatch augment(HostBatch h, int epoch, int batch) {
    if (options.augment != null) {
      options.augment.apply(h.x(), h.rows().length, h.cols(), epoch, batch);
    }
    return h;
  }

  /** Rows copied into contiguous host arrays, ready for one copy to the device. */
  private record HostBatch(
      int[] rows, float[] x, int cols, int[] labels, float[] targets, int targetCols) {
    Batch toDevice(Device device, boolean ahead) {
      Tensor fx =
          ahead
              ? Tensor.ofAhead(device, x, rows.length, cols)
              : Tensor.of(device, x, rows.length, cols);
      Tensor fy = null;
      if (labels != null) {
        fy =
            ahead
                ? Tensor.ofAhead(device, labels, rows.length)
                : Tensor.of(device, labels, rows.length);
      } else if (targets != null) {
        fy =
            ahead
                ? Tensor.ofAhead(device, targets, rows.length, targetCols)
                : Tensor.of(device, targets, rows.length, targetCols);
      }
      return new Batch(fx, fy, rows);
    }
  }

  private HostBatch gather(int[] rows) {
    int cols = data.cols();
    float[] x = new float[rows.length * cols];
    float[] src = data.features();
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(src, rows[i] * cols, x, i * cols, cols);
    }
    int[] labels = null;
    float[] targets = null;
    if (data.labels() != null) {
      labels = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        labels[i] = data.labels()[rows[i]];
      }
    } else if (data.targets() != null) {
      int tc = data.targetCols();
      targets = new float[rows.length * tc];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(data.targets(), rows[i] * tc, targets, i * tc, tc);
      }
    }
    return new HostBatch(rows, x, cols, labels, targets, data.targetCols());
  }

  /** Stops the prefetch thread and frees the device copy of a resident dataset. */
  @Override
  public synchronized void close() {
    if (lookAhead != null) {
      lookAhead.close();
      lookAhead = null;
    }
    if (residentFeatures != null) {
      residentFeatures.close();
      residentFeatures = null;
      if (residentTargets != null) {
        residentTargets.close();
        residentTargets = null;
      }
    }
    if (prefetcher != null) {
      prefetcher.shutdownNow();
      prefetcher = null;
    }
  }
}
