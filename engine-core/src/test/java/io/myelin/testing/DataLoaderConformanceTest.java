package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Tensor;
import io.myelin.data.ArrayDataset;
import io.myelin.data.Batch;
import io.myelin.data.DataLoader;
import io.myelin.data.RandomShift;
import io.myelin.data.TensorDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batching, seeded shuffling, drop-last, full batch, resume and prefetch, on the device. */
public abstract class DataLoaderConformanceTest extends DeviceTestBase {

  private static ArrayDataset dataset(int rows, int cols) {
    float[] x = randomFloats(rows, rows * cols, -1, 1);
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      labels[i] = i % 3;
    }
    return ArrayDataset.classification(x, rows, cols, labels, 3);
  }

  private List<int[]> collect(DataLoader loader, int epoch, int first, ArrayDataset d) {
    List<int[]> out = new ArrayList<>();
    for (Batch b : loader.epoch(epoch, first)) {
      try (b) {
        float[] x = b.features().toFloatArray();
        int[] y = b.targets().toIntArray();
        for (int i = 0; i < b.indices().length; i++) {
          int row = b.indices()[i];
          float[] expected = Arrays.copyOfRange(d.features(), row * d.cols(), (row + 1) * d.cols());
          assertArrayEquals(expected, Arrays.copyOfRange(x, i * d.cols(), (i + 1) * d.cols()));
          assertEquals(d.labels()[row], y[i]);
        }
        out.add(b.indices());
      }
    }
    return out;
  }

  @Test
  void augmentationRewritesEachEpochBatchOnTheHostAndNeverAll() {
    ArrayDataset d = dataset(53, 16);
    RandomShift shift = new RandomShift(1, 1, 4, 4, null, 3);
    for (boolean prefetch : new boolean[] {true, false}) {
      var o = DataLoader.Options.batches(8).shuffled(5).augmented(shift);
      if (!prefetch) {
        o = o.withoutPrefetch();
      }
      try (DataLoader loader = new DataLoader(d, o, device())) {
        for (int epoch = 0; epoch < 2; epoch++) {
          int batch = 2; // resumed mid-epoch: batch indices count from the epoch's start
          for (Batch b : loader.epoch(epoch, 2)) {
            try (b) {
              int n = b.indices().length;
              float[] expected = new float[n * 16];
              for (int i = 0; i < n; i++) {
                System.arraycopy(d.features(), b.indices()[i] * 16, expected, i * 16, 16);
              }
              shift.apply(expected, n, 16, epoch, batch);
              assertArrayEquals(expected, b.features().toFloatArray(), "batch " + batch);
              batch++;
            }
          }
          assertEquals(7, batch);
        }
        try (Batch all = loader.all()) {
          assertArrayEquals(
              d.features(), all.features().toFloatArray(), "all() is never augmented");
        }
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> DataLoader.Options.batches(8).residentOnDevice().augmented(shift));
  }

  @Test
  void aResidentDatasetGivesTheSameBatchesGatheredOnTheDevice() {
    ArrayDataset d = dataset(103, 5);
    var plain = DataLoader.Options.batches(10).shuffled(7);
    try (DataLoader host = new DataLoader(d, plain, device());
        DataLoader resident = new DataLoader(d, plain.residentOnDevice(), device())) {
      assertTrue(resident.options().resident());
      for (int epoch = 0; epoch < 2; epoch++) {
        List<int[]> a = collect(host, epoch, 0, d); // collect checks every row's values
        List<int[]> b = collect(resident, epoch, 0, d);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
          assertArrayEquals(a.get(i), b.get(i), "epoch " + epoch + ", batch " + i);
        }
      }
      assertEquals(3, collect(resident, 1, 10, d).get(0).length, "resumed at the partial batch");
    }
    // Regression targets with two columns.
    float[] x = randomFloats(11, 23 * 3, -1, 1);
    float[] t = randomFloats(12, 23 * 2, -1, 1);
    ArrayDataset r = ArrayDataset.regression(x, 23, 3, t, 2);
    try (DataLoader resident =
        new DataLoader(r, DataLoader.Options.batches(4).shuffled(1).residentOnDevice(), device())) {
      for (Batch b : resident.epoch(0)) {
        try (b) {
          float[] got = b.targets().toFloatArray();
          assertArrayEquals(new int[] {b.indices().length, 2}, b.targets().shape());
          for (int i = 0; i < b.indices().length; i++) {
            int row = b.indices()[i];
            assertEquals(t[row * 2], got[i * 2]);
            assertEquals(t[row * 2 + 1], got[i * 2 + 1]);
          }
        }
      }
    }
  }

  @Test
  void theLookAheadBatchSurvivesTheCallersScopesAndIsClosedWithTheLoader() {
    ArrayDataset d = dataset(40, 3);
    Batch abandoned;
    long live = io.myelin.memory.MemoryStatistics.liveTensors();
    try (DataLoader loader =
        new DataLoader(d, DataLoader.Options.batches(8).shuffled(3), device())) {
      var it = loader.epoch(0).iterator();
      int seen = 0;
      while (it.hasNext()) {
        // next() inside a scope that closes before the following next(): the batch uploaded
        // ahead must not belong to it.
        try (io.myelin.memory.MemoryScope scope = io.myelin.memory.MemoryScope.open()) {
          Batch b = it.next();
          float[] x = b.features().toFloatArray();
          for (int i = 0; i < b.indices().length; i++) {
            assertEquals(d.features()[b.indices()[i] * 3], x[i * 3]);
          }
          seen += b.indices().length;
          assertTrue(scope.ownedCount() >= 2, "the handed-out batch belongs to the caller's scope");
        }
        assertTrue(seen <= 40);
      }
      assertEquals(40, seen);
      var again = loader.epoch(1).iterator();
      abandoned = again.next(); // leaves its look-ahead batch behind
      abandoned.close();
    }
    // Not more live tensors than before (fewer is possible: the Cleaner may free what earlier
    // tests in this JVM forgot).
    long after = io.myelin.memory.MemoryStatistics.liveTensors();
    assertTrue(
        after <= live,
        "the abandoned iterator's look-ahead batch was closed with the"
            + " loader: "
            + live
            + " live tensors before, "
            + after
            + " after");
  }

  @Test
  void indexSelectRowsGathersRowsOfAnyRankAndDtype() {
    Tensor x = Tensor.of(device(), randomFloats(5, 7 * 2 * 3, -1, 1), 7, 2, 3);
    int[] rows = {6, 0, 0, 3};
    try (Tensor idx = Tensor.of(device(), rows, rows.length)) {
      Tensor g = x.indexSelectRows(idx);
      assertArrayEquals(new int[] {4, 2, 3}, g.shape());
      float[] all = x.toFloatArray();
      float[] got = g.toFloatArray();
      for (int r = 0; r < rows.length; r++) {
        for (int k = 0; k < 6; k++) {
          assertEquals(all[rows[r] * 6 + k], got[r * 6 + k], "row " + r + " element " + k);
        }
      }
      // A transposed (non-contiguous) source and int32 values.
      Tensor xt = x.reshape(7, 6).transpose(0, 1); // [6, 7]
      Tensor gt = xt.indexSelectRows(Tensor.of(device(), new int[] {5, 1}, 2));
      assertArrayEquals(xt.select(0, 5).toFloatArray(), gt.select(0, 0).toFloatArray());
      assertArrayEquals(xt.select(0, 1).toFloatArray(), gt.select(0, 1).toFloatArray());
      Tensor labels = Tensor.of(device(), new int[] {10, 11, 12}, 3);
      assertArrayEquals(
          new int[] {12, 10},
          labels.indexSelectRows(Tensor.of(device(), new int[] {2, 0}, 2)).toIntArray());
      assertEquals(0, x.indexSelectRows(Tensor.of(device(), new int[0], 0)).numel());
      assertThrows(IllegalArgumentException.class, () -> x.indexSelectRows(x));
    }
  }

  @Test
  void everyRowOncePerEpochInSeededOrder() {
    ArrayDataset d = dataset(103, 5);
    try (DataLoader loader =
        new DataLoader(d, DataLoader.Options.batches(10).shuffled(7), device())) {
      assertEquals(11, loader.batchesPerEpoch());
      List<int[]> e0 = collect(loader, 0, 0, d);
      int[] seen = e0.stream().flatMapToInt(Arrays::stream).sorted().toArray();
      int[] all = new int[103];
      Arrays.setAll(all, i -> i);
      assertArrayEquals(all, seen);
      assertEquals(3, e0.get(10).length, "last partial batch kept");
      List<int[]> again = collect(loader, 0, 0, d);
      assertArrayEquals(e0.get(3), again.get(3), "same seed and epoch, same order");
      List<int[]> e1 = collect(loader, 1, 0, d);
      assertFalse(Arrays.equals(e0.get(0), e1.get(0)), "a new epoch reshuffles");
      List<int[]> resumed = collect(loader, 1, 4, d);
      assertEquals(7, resumed.size());
      assertArrayEquals(e1.get(4), resumed.get(0), "resuming at batch 4 continues the epoch");
    }
  }

  @Test
  void tensorDatasetBatchesItsTensorsRows() {
    int n = 40;
    float[] x = randomFloats(5, n * 6, -1, 1);
    int[] labels = new int[n];
    Arrays.setAll(labels, i -> (i * 7) % 3);
    TensorDataset td =
        new TensorDataset(
            Tensor.of(x, n, 2, 3).to(device()), Tensor.ofInts(labels, n).to(device()));
    ArrayDataset a = td.toArrayDataset();
    assertEquals(n, td.size());
    assertEquals(6, a.cols(), "each [2, 3] sample is one row of 6");
    assertEquals(3, a.numClasses());
    assertArrayEquals(x, a.features());
    assertArrayEquals(labels, a.labels());
    try (DataLoader loader =
        new DataLoader(td, DataLoader.Options.batches(16).shuffled(3), device())) {
      assertEquals(3, collect(loader, 0, 0, a).size());
    }
    float[] t = randomFloats(6, n * 2, -1, 1);
    ArrayDataset r = new TensorDataset(Tensor.of(x, n, 6), Tensor.of(t, n, 2)).toArrayDataset();
    assertTrue(r.isRegression());
    assertEquals(2, r.targetCols());
    assertArrayEquals(t, r.targets());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new TensorDataset(Tensor.of(x, n, 6), Tensor.ofInts(new int[n - 1], n - 1)));
    assertTrue(
        e.getMessage().contains("[40, 6]") && e.getMessage().contains("[39]"), e.getMessage());
  }

  @Test
  void dropLastFullBatchAndNoPrefetch() {
    ArrayDataset d = dataset(50, 3);
    try (DataLoader drop =
            new DataLoader(d, DataLoader.Options.batches(16).droppingLast(), device());
        DataLoader full = new DataLoader(d, DataLoader.Options.batches(0), device());
        DataLoader plain =
            new DataLoader(d, DataLoader.Options.batches(16).withoutPrefetch(), device())) {
      assertEquals(3, collect(drop, 0, 0, d).size());
      List<int[]> f = collect(full, 0, 0, d);
      assertEquals(1, f.size());
      assertEquals(50, f.get(0).length);
      assertEquals(4, collect(plain, 0, 0, d).size());
      try (Batch all = full.all()) {
        assertEquals(50, all.size());
        assertTrue(all.features().isContiguous());
      }
    }
  }
}
