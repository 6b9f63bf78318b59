package io.myelin.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: a checkpoint save that fails - the disk fills up at any byte of the new file, fsync
 * fails, the folder is not a folder - reports the file and the cause, and leaves the previous
 * checkpoint byte for byte as it was, loadable, with no temporary file behind. The faults are
 * injected through {@link AtomicFiles#useOpener} (the tests run as root, whom permissions do not
 * stop) except the last, which is real.
 */
class CheckpointWriteFaultTest {
  @TempDir Path dir;

  private static void writeCheckpoint(Path p, long seed, long epoch) throws IOException {
    List<SafetensorsWriter.Item> items =
        List.of(
            SafetensorsHostRoundTripTest.item(
                "model.fc.weight", DType.FLOAT32, new int[] {30, 20}, seed),
            SafetensorsHostRoundTripTest.item(
                "model.fc.bias", DType.FLOAT32, new int[] {30}, seed + 1),
            SafetensorsHostRoundTripTest.item(
                "optim.0.exp_avg", DType.FLOAT32, new int[] {30, 20}, seed + 2));
    var state =
        new CheckpointMetadata(
            epoch, 10 * epoch, java.util.Map.of(), 0, java.util.Map.of(), java.util.Map.of());
    SafetensorsWriter.write(p, items, state.toMetadata());
  }

  private void assertOnlyTheOldFile(Path p, byte[] before) throws IOException {
    assertArrayEquals(before, Files.readAllBytes(p), "the previous checkpoint is untouched");
    assertEquals(1, CheckpointIO.read(p).state().epoch(), "and loads");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(p), files.toList(), "no temporary file left");
    }
  }

  @Test
  void aDiskThatFillsUpAtAnyByteLeavesThePreviousCheckpoint() throws IOException {
    Path p = dir.resolve("run.ckpt");
    writeCheckpoint(p, 1, 1);
    byte[] before = Files.readAllBytes(p);
    Path probe = dir.resolve("probe");
    writeCheckpoint(probe, 2, 2);
    long size = Files.size(probe);
    Files.delete(probe);
    // Full at the first byte, inside the length field, the header, the data, the last byte.
    for (long room : new long[] {0, 3, 8, 100, size / 2, size - 1}) {
      var previous =
          AtomicFiles.useOpener(t -> new FaultyChannel(AtomicFiles.PLAIN.open(t), room, false));
      try {
        var e = assertThrows(IOException.class, () -> writeCheckpoint(p, 2, 2));
        assertEquals(
            "cannot write "
                + p
                + ": No space left on device (the previous file, if any,"
                + " is unchanged)",
            e.getMessage(),
            "room " + room);
      } finally {
        AtomicFiles.useOpener(previous);
      }
      assertOnlyTheOldFile(p, before);
    }
    writeCheckpoint(p, 2, 2); // and with room again the next save works
    assertEquals(2, CheckpointIO.read(p).state().epoch());
  }

  @Test
  void aFailingFsyncLeavesThePreviousCheckpoint() throws IOException {
    Path p = dir.resolve("run.ckpt");
    writeCheckpoint(p, 1, 1);
    byte[] before = Files.readAllBytes(p);
    var previous =
        AtomicFiles.useOpener(
            t -> new FaultyChannel(AtomicFiles.PLAIN.open(t), Long.MAX_VALUE, true));
    try {
      var e = assertThrows(IOException.class, () -> writeCheckpoint(p, 2, 2));
      assertTrue(e.getMessage().contains("run.ckpt: Input/output error"), e.getMessage());
    } finally {
      AtomicFiles.useOpener(previous);
    }
    assertOnlyTheOldFile(p, before);
  }

  @Test
  void aTargetWhoseFolderIsAFileOrMissingIsAClearError() throws IOException {
    Path file = Files.writeString(dir.resolve("notadir"), "x");
    Path target = file.resolve("run.ckpt");
    var e = assertThrows(IOException.class, () -> writeCheckpoint(target, 1, 1));
    assertEquals(
        "cannot write "
            + target
            + ": "
            + file
            + ": not a folder (the previous file, if"
            + " any, is unchanged)",
        e.getMessage());
    Path missing = dir.resolve("gone").resolve("run.ckpt");
    var e2 = assertThrows(IOException.class, () -> writeCheckpoint(missing, 1, 1));
    assertEquals(
        "cannot write "
            + missing
            + ": no such file or folder "
            + missing.getParent()
            + " (the previous file, if any, is unchanged)",
        e2.getMessage());
    assertEquals("x", Files.readString(file));
  }
}
