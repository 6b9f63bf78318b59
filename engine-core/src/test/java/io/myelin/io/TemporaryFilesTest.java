package io.myelin.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.train.History;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written atomically get the mode the user's umask gives any new file, not 0600. */
class TemporaryFilesTest {
  @TempDir Path dir;

  /** What this process's umask makes of a plainly created file. */
  private Set<PosixFilePermission> plainMode() throws IOException {
    Path plain = Files.createFile(dir.resolve("plain"));
    return Files.getPosixFilePermissions(plain);
  }

  @Test
  void temporaryFileIsNamedBesideTheTargetWithTheUmaskMode() throws IOException {
    Path temp = TemporaryFiles.createBeside(dir.resolve("model.safetensors"), ".tmp");
    assertEquals(dir, temp.getParent());
    String name = temp.getFileName().toString();
    assertTrue(name.startsWith(".model.safetensors.") && name.endsWith(".tmp"), name);
    assertEquals(plainMode(), Files.getPosixFilePermissions(temp));
    assertNotEquals(temp, TemporaryFiles.createBeside(dir.resolve("model.safetensors"), ".tmp"));
  }

  @Test
  void atomicWritesAndTheHistoryKeepTheUmaskMode() throws IOException {
    Set<PosixFilePermission> expected = plainMode();
    Path state = dir.resolve("state.bin");
    AtomicFiles.write(state, ch -> ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3})));
    assertEquals(expected, Files.getPosixFilePermissions(state));
    Path csv = dir.resolve("history.csv");
    new History("accuracy").writeCsv(csv);
    assertEquals(expected, Files.getPosixFilePermissions(csv));
    try (var files = Files.list(dir)) {
      assertEquals(3, files.count(), "no temporary file is left");
    }
  }
}
