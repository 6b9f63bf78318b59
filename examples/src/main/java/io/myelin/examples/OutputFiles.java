package io.myelin.examples;

import io.myelin.io.TemporaryFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes output files whole or not at all: into a temporary file in the target's folder, then
 * renamed over the target, so an interrupted run never leaves a half-written file behind.
 */
public final class OutputFiles {
  private OutputFiles() {}

  /** Writes the content of a file through a path (the temporary file). */
  @FunctionalInterface
  public interface Body {
    void writeTo(Path temporary) throws IOException;
  }

  /**
   * Runs {@code body} on a temporary file beside {@code target} (same suffix, so libraries that
   * pick the format from the name still work), then renames it to {@code target}.
   *
   * @throws NoSuchFileException when the target's folder does not exist
   */
  public static void write(Path target, Body body) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          dir.toString(), null, "the folder for " + target.getFileName() + " does not exist");
    }
    String name = target.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String suffix = dot > 0 ? name.substring(dot) : ".tmp";
    Path tmp = TemporaryFiles.createBeside(target, suffix);
    try {
      body.writeTo(tmp);
      try {
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes {@code text} as UTF-8, atomically. */
  public static void writeString(Path target, String text) throws IOException {
    write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
  }

  /** Fails early, before a long run, when {@code target} could not be written at the end. */
  public static void checkWritable(Path target, String option) throws IOException {
    if (target == null) {
      return;
    }
    Path dir = target.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(
          dir.toString(), null, option + " " + target + ": the folder does not exist");
    }
    if (!Files.isWritable(dir)) {
      throw new java.nio.file.AccessDeniedException(
          dir.toString(), null, option + " " + target + ": the folder is not writable");
    }
    if (Files.isDirectory(target)) {
      throw new java.nio.file.FileSystemException(
          target.toString(), null, option + " " + target + " is a folder, not a file");
    }
  }
}
