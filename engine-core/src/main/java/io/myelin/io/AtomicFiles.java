package io.myelin.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file so that a crash or a kill at any moment leaves either the old file or the
 * complete new one, never a mix: write a temporary file in the same directory (a rename is only
 * atomic within one file system), force it to disk, rename it over the target, then force the
 * directory so the rename itself survives a power cut. On any failure the temporary file is deleted
 * and the target is untouched.
 *
 * <p>Temporary files are named {@code .<target name>.<random>.tmp}, hidden and recognisable, so a
 * file left by a killed JVM (the one case no code can clean up) is easy to spot.
 *
 * <p>Errors: an {@link IOException} whose message names the target and says that the previous file
 * is unchanged, with the original error (a full disk, a refused permission) as its cause.
 */
final class AtomicFiles {
  /** Writes the whole content of the new file to a channel positioned at 0. */
  @FunctionalInterface
  interface Body {
    void write(FileChannel channel) throws IOException;
  }

  /** Opens the temporary file for writing. */
  @FunctionalInterface
  interface Opener {
    FileChannel open(Path temporary) throws IOException;
  }

  static final Opener PLAIN = p -> FileChannel.open(p, StandardOpenOption.WRITE);

  /**
   * The opener in use. Only tests change it, to inject the faults no real file system gives on
   * demand (a disk that fills up in mid-write, a failing fsync), which root - whom the tests run as
   * - is not stopped by permissions from hitting either.
   */
  private static volatile Opener opener = PLAIN;

  private AtomicFiles() {}

  /** Replaces the opener (tests); returns the previous one, to put back. */
  static Opener useOpener(Opener o) {
    Opener previous = opener;
    opener = o;
    return previous;
  }

  static void write(Path target, Body body) throws IOException {
    try {
      replace(target, body);
    } catch (IOException e) {
      throw new IOException(
          "cannot write "
              + target
              + ": "
              + describe(e)
              + " (the previous file, if any, is unchanged)",
          e);
    }
  }

  /** The JDK's file exceptions put the reason apart from the file name; join them. */
  private static String describe(IOException e) {
    return switch (e) {
      case java.nio.file.NoSuchFileException n -> "no such file or folder " + n.getFile();
      case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
      case java.nio.file.FileSystemException f ->
          f.getFile() + (f.getReason() == null ? "" : ": " + f.getReason());
      default -> e.getMessage() == null ? e.toString() : e.getMessage();
    };
  }

  private static void replace(Path target, Body body) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    // Say what is wrong with the folder, rather than fail on the temporary file's name.
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new java.nio.file.FileSystemException(dir.toString(), null, "not a folder");
    } else if (!Files.isDirectory(dir)) {
      throw new java.nio.file.NoSuchFileException(dir.toString());
    }
    Path temp = TemporaryFiles.createBeside(absolute, ".tmp");
    try {
      try (FileChannel ch = opener.open(temp)) {
        body.write(ch);
        ch.force(true);
      }
      try {
        Files.move(
            temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        // Some file systems (certain network mounts) cannot rename atomically; a plain replace
        // still never exposes a half-written file under the target name.
        Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (Throwable t) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException cleanup) {
        t.addSuppressed(cleanup);
      }
      throw t;
    }
    forceDirectory(dir);
  }

  /** Makes a rename durable; some platforms (Windows) cannot open a directory, which is fine. */
  private static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Best effort: the data itself is already on disk.
    }
  }
}
