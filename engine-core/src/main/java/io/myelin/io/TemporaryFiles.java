package io.myelin.io;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The temporary file an atomic write fills before renaming it over its target.
 *
 * <p>{@link Files#createTempFile} makes files readable by their owner only (0600), and the rename
 * keeps that mode, so a saved model or history would not obey the user's umask while files written
 * directly do. This creates the file as any other: mode 0666 less the process's umask, like the
 * output of {@code torch.save} or a shell redirection.
 */
public final class TemporaryFiles {
  private static final int ATTEMPTS = 100;

  private TemporaryFiles() {}

  /**
   * Creates an empty file {@code .<target name>.<random><suffix>} in {@code target}'s folder, with
   * the permissions the user's umask gives new files.
   */
  public static Path createBeside(Path target, String suffix) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    String prefix = "." + absolute.getFileName() + ".";
    for (int i = 0; ; i++) {
      Path candidate =
          dir.resolve(
              prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + suffix);
      try {
        return Files.createFile(candidate);
      } catch (FileAlreadyExistsException e) {
        if (i == ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
