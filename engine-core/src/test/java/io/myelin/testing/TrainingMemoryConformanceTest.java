package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.MemoryStats;
import io.myelin.data.ArrayDataset;
import io.myelin.data.DataLoader;
import io.myelin.data.Synthetic;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.memory.MemoryStatistics;
import io.myelin.nn.Activation;
import io.myelin.nn.Dropout;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.train.Callback;
import io.myelin.train.EpochRecord;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;
import io.myelin.train.TrainingState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: training does not leak. An MNIST-shape MLP (784-64-10 with dropout, Adam, a validation
 * pass every epoch) trains on synthetic data, and after every epoch the live tensor count and the
 * backend's live blocks, allocated and reserved bytes are what they were after the first (which
 * created the optimizer state); on a caching allocator the system allocations stop growing too. The
 * suite runs a few epochs; {@code -Psoak} adds the 200-epoch run.
 */
public abstract class TrainingMemoryConformanceTest extends DeviceTestBase {

  /** True when the backend pools memory, so that no system allocation follows the first epoch. */
  protected boolean allocatorCaches() {
    return false;
  }

  private record Snapshot(long liveTensors, long cleanerReleased, MemoryStats stats) {}

  private Snapshot snapshot() {
    DeviceManager.global().backend(device()).synchronize();
    return new Snapshot(
        MemoryStatistics.liveTensors(),
        MemoryStatistics.cleanerReleased(),
        DeviceManager.global().backend(device()).memoryStats());
  }

  /**
   * Lets the Cleaner return what earlier tests in this JVM forgot, so that it does not lower the
   * counts in the middle of this one (bounded: at most about two seconds).
   */
  private static void settle() throws InterruptedException {
    long before = -1;
    for (int i = 0; i < 40 && MemoryStatistics.cleanerReleased() != before; i++) {
      before = MemoryStatistics.cleanerReleased();
      System.gc();
      Thread.sleep(50);
    }
  }

  void trainsFlat(int epochs, int rows) throws InterruptedException {
    ArrayDataset data = Synthetic.blobs(rows, 10, 784, 4.0, 91);
    ArrayDataset validation = Synthetic.blobs(128, 10, 784, 4.0, 92);
    Generator gen = new Generator(93);
    Sequential model = new Sequential();
    model.add(new Linear(784, 64, true, gen));
    model.add(Activation.byName("relu").layer());
    model.add(new Dropout(0.1, gen));
    model.add(new Linear(64, 10, true, gen));
    model.to(device());
    settle();
    List<Snapshot> after = new ArrayList<>();
    Callback record =
        new Callback() {
          @Override
          public void onEpochEnd(TrainingState state, EpochRecord r) {
            after.add(snapshot());
          }
        };
    try (DataLoader train =
            new DataLoader(data, DataLoader.Options.batches(64).shuffled(94), device());
        DataLoader val = new DataLoader(validation, DataLoader.Options.batches(64), device());
        Adam adam = new Adam(model.parameters(), Adam.Options.defaults().withLr(1e-3))) {
      new Trainer(
              TrainerOptions.defaults()
                  .withEpochs(epochs)
                  .withOut(null)
                  .withCallbacks(List.of(record)))
          .fit(model, new CrossEntropyLoss(), adam, train, val);
    }
    assertEquals(epochs, after.size());
    Snapshot first = after.getFirst();
    for (int e = 1; e < after.size(); e++) {
      Snapshot s = after.get(e);
      String where =
          "after epoch "
              + (e + 1)
              + " of "
              + epochs
              + " (epoch 1: "
              + first
              + ", now "
              + s
              + "; the Cleaner released "
              + (s.cleanerReleased() - first.cleanerReleased())
              + " forgotten tensors meanwhile)";
      assertEquals(first.liveTensors(), s.liveTensors(), "live tensors " + where);
      assertEquals(first.stats().liveBlocks(), s.stats().liveBlocks(), "live blocks " + where);
      assertEquals(
          first.stats().allocatedBytes(), s.stats().allocatedBytes(), "allocated bytes " + where);
      assertEquals(
          first.stats().reservedBytes(), s.stats().reservedBytes(), "reserved bytes " + where);
      if (allocatorCaches()) {
        assertEquals(
            first.stats().systemAllocations(),
            s.stats().systemAllocations(),
            "system allocations " + where);
      }
    }
    assertTrue(first.liveTensors() >= 4 + 8, "parameters and Adam's moments are alive: " + first);
  }

  @Test
  void liveTensorsAndMemoryReturnToTheSameValueAfterEveryEpoch() throws InterruptedException {
    trainsFlat(5, 256);
  }

  /** The 200-epoch run; {@code mvn -Psoak verify} runs it (about a minute on 2 cores). */
  @Test
  @Tag("soak")
  void twoHundredEpochsStayFlat() throws InterruptedException {
    trainsFlat(200, 1024);
  }
}
