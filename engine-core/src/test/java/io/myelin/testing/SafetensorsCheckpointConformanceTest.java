package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.io.Checkpoint;
import io.myelin.io.CheckpointFormatException;
import io.myelin.io.CheckpointIO;
import io.myelin.io.CheckpointMetadata;
import io.myelin.io.CheckpointMetadata.GeneratorState;
import io.myelin.io.Safetensors;
import io.myelin.io.SafetensorsHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints through real tensors: exact round trip, resumable random streams, crash safety. */
public abstract class SafetensorsCheckpointConformanceTest extends DeviceTestBase {
  @TempDir Path dir;

  Checkpoint sample(Generator init) {
    Map<String, Tensor> model = new LinkedHashMap<>();
    model.put("fc1.weight", Tensor.randn(init, 5, 3)); // Linear(3, 5): [out, in]
    model.put("fc1.bias", Tensor.randn(init, 5));
    model.put("bn.num_batches_tracked", Tensor.ofInts(new int[] {17}, 1));
    Map<String, Tensor> optim = new LinkedHashMap<>();
    optim.put("0.exp_avg", Tensor.randn(init, 5, 3));
    optim.put("0.exp_avg_sq", Tensor.randn(init, 5, 3).square());
    optim.put("0.step", Tensor.of(new double[] {120}, 1));
    Map<String, Object> hp = new LinkedHashMap<>();
    hp.put("lr", 3e-4);
    hp.put("betas", List.of(0.9, 0.999));
    hp.put("weight_decay", 0.0);
    hp.put("amsgrad", false);
    CheckpointMetadata state =
        new CheckpointMetadata(
            2, 120, Map.of("init", GeneratorState.of(init)), 7, hp, Map.of("run", "baseline"));
    return new Checkpoint(model, optim, state);
  }

  @Test
  void roundTripsWeightsOptimizerStateAndMetadata() throws IOException {
    Generator init = new Generator(42);
    Checkpoint ck = sample(init);
    Path p = dir.resolve("last.ckpt");
    CheckpointIO.save(p, ck);

    Checkpoint back = CheckpointIO.load(p, device());
    assertEquals(ck.state(), back.state());
    assertEquals(List.copyOf(ck.model().keySet()), List.copyOf(back.model().keySet()));
    assertEquals(List.copyOf(ck.optimizer().keySet()), List.copyOf(back.optimizer().keySet()));
    for (var e : ck.model().entrySet()) {
      SafetensorsConformanceTest.assertSameTensor(
          e.getValue(), back.model().get(e.getKey()), e.getKey());
      assertEquals(device(), back.model().get(e.getKey()).device());
    }
    for (var e : ck.optimizer().entrySet()) {
      SafetensorsConformanceTest.assertSameTensor(
          e.getValue(), back.optimizer().get(e.getKey()), e.getKey());
    }
    back.closeTensors();

    // Any safetensors tool sees model.* / optim.* tensors and string metadata.
    SafetensorsHeader h = Safetensors.readHeader(p);
    assertEquals("model.fc1.weight", h.tensors().getFirst().name());
    assertEquals("optim.0.step", h.tensors().getLast().name());
    assertEquals("120", h.metadata().get("step"));
  }

  @Test
  void resumedGeneratorDrawsWhatTheOriginalWouldHaveDrawn() throws IOException {
    Generator init = new Generator(7);
    Checkpoint ck = sample(init);
    Path p = dir.resolve("rng.ckpt");
    CheckpointIO.save(p, ck);
    Tensor next = Tensor.randn(init, 4, 4); // what the uninterrupted run draws next

    Generator resumed = CheckpointIO.load(p).state().generators().get("init").toGenerator();
    SafetensorsConformanceTest.assertSameTensor(next, Tensor.randn(resumed, 4, 4), "next draw");
  }

  @Test
  void aFailedSaveLeavesThePreviousCheckpointLoadable() throws IOException {
    Path p = dir.resolve("run.ckpt");
    Checkpoint first = sample(new Generator(1));
    CheckpointIO.save(p, first);
    byte[] before = Files.readAllBytes(p);

    Checkpoint second = sample(new Generator(2));
    second.optimizer().get("0.exp_avg").close(); // e.g. freed by a buggy callback
    assertThrows(IllegalArgumentException.class, () -> CheckpointIO.save(p, second));
    assertArrayEquals(before, Files.readAllBytes(p));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(p), files.toList(), "no temporary file left");
    }
    assertEquals(first.state(), CheckpointIO.load(p).state());
  }

  @Test
  void aPlainWeightsFileIsNotACheckpoint() throws IOException {
    Path p = dir.resolve("weights.safetensors");
    Safetensors.save(p, Map.of("fc.weight", Tensor.zeros(DType.FLOAT32, 2, 2)));
    var e = assertThrows(CheckpointFormatException.class, () -> CheckpointIO.load(p));
    assertTrue(
        e.getMessage().startsWith("weights.safetensors: not a Myelin checkpoint"), e.getMessage());

    Path stray = dir.resolve("stray.ckpt");
    Map<String, Tensor> tensors = Map.of("model.w", Tensor.zeros(1), "loss", Tensor.zeros(1));
    Safetensors.save(stray, new LinkedHashMap<>(tensors), CheckpointMetadata.START.toMetadata());
    var e2 = assertThrows(CheckpointFormatException.class, () -> CheckpointIO.load(stray));
    assertTrue(
        e2.getMessage().contains("tensor 'loss': a checkpoint tensor must be named"),
        e2.getMessage());
  }
}
