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
import io.myelin.nn.Conv2d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Flatten;
import io.myelin.nn.Linear;
import io.myelin.nn.MaxPool2d;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.train.Callback;
import io.myelin.train.EpochRecord;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;
import io.myelin.train.TrainingState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A convolutional network trains without leaking: a small convnet (Conv2d 3x3, ReLU, MaxPool2d,
 * Conv2d, ReLU, Flatten, Dropout, Linear; flat rows viewed as [N, 1, 12, 12]) runs 200 Adam steps
 * (8 epochs of 25 batches) on synthetic images, and after every epoch the live tensors, live
 * blocks, allocated and reserved bytes equal those after the first; with a pooling allocator no
 * system allocation follows the first epoch either (the im2col workspaces come back to the pool).
 */
public abstract class ConvTrainingMemoryConformanceTest extends DeviceTestBase {
  /** True when the backend pools memory, so that no system allocation follows the first epoch. */
  protected boolean allocatorCaches() {
    return false;
  }

  private record Snapshot(long liveTensors, MemoryStats stats) {}

  private Snapshot snapshot() {
    DeviceManager.global().backend(device()).synchronize();
    return new Snapshot(
        MemoryStatistics.liveTensors(), DeviceManager.global().backend(device()).memoryStats());
  }

  @Test
  void twoHundredStepsKeepMemoryFlat() throws InterruptedException {
    int epochs = 8;
    ArrayDataset data = Synthetic.blobs(25 * 16, 10, 144, 4.0, 191);
    Generator gen = new Generator(193);
    Sequential model =
        new Sequential(
                new Conv2d(1, 4, 3, gen),
                Activation.byName("relu").layer(),
                new MaxPool2d(2),
                new Conv2d(4, 8, 3, gen),
                Activation.byName("relu").layer(),
                new Flatten(),
                new Dropout(0.25, gen),
                new Linear(8 * 3 * 3, 10, true, gen))
            .viewingInputAs(1, 12, 12);
    model.to(device());
    for (int i = 0; i < 20; i++) {
      System.gc();
      Thread.sleep(25);
    }
    List<Snapshot> after = new ArrayList<>();
    Callback record =
        new Callback() {
          @Override
          public void onEpochEnd(TrainingState state, EpochRecord r) {
            after.add(snapshot());
          }
        };
    try (DataLoader train =
            new DataLoader(data, DataLoader.Options.batches(16).shuffled(194), device());
        Adam adam = new Adam(model.parameters(), Adam.Options.defaults().withLr(1e-3))) {
      new Trainer(
              TrainerOptions.defaults()
                  .withEpochs(epochs)
                  .withOut(null)
                  .withCallbacks(List.of(record)))
          .fit(model, new CrossEntropyLoss(), adam, train, null);
    }
    assertEquals(epochs, after.size());
    Snapshot first = after.getFirst();
    for (int e = 1; e < after.size(); e++) {
      Snapshot s = after.get(e);
      String where = "after epoch " + (e + 1) + " (epoch 1: " + first + ", now " + s + ")";
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
    assertTrue(first.liveTensors() >= 3 * 6, "parameters and Adam's moments are alive: " + first);
  }
}
