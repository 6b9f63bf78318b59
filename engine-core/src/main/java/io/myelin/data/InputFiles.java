package io.myelin.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens data files, decompressing gzip transparently. */
final class InputFiles {
  private static final int GZIP_MAGIC_0 = 0x1f;
  private static final int GZIP_MAGIC_1 = 0x8b;

  private InputFiles() {}

  /**
   * Opens {@code path} for reading; gzip is recognised by its magic bytes {@code 1f 8b}, not by the
   * file name, because downloaded files are often renamed (and {@code .gz} files are sometimes
   * already decompressed by a browser).
   */
  static InputStream open(Path path) throws IOException {
    var in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
    try {
      return isGzip(in) ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  /** Whether {@code path} starts with the gzip magic bytes. */
  static boolean isGzip(Path path) throws IOException {
    try (var in = new BufferedInputStream(Files.newInputStream(path), 2)) {
      return isGzip(in);
    }
  }

  private static boolean isGzip(BufferedInputStream in) throws IOException {
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == GZIP_MAGIC_0 && b1 == GZIP_MAGIC_1;
  }

  /** The file name for messages: short, without the directories. */
  static String name(Path path) {
    Path f = path.getFileName();
    return f == null ? path.toString() : f.toString();
  }
}
