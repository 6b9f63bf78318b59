package io.myelin.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST, raw or gzip-compressed (detected from the magic
 * bytes {@code 1f 8b}, not the file name).
 *
 * <h2>Format</h2>
 *
 * A big-endian int32 magic {@code 0x000008DD} (type 0x08 = unsigned byte, DD dimensions: 0x01 for
 * labels, 0x03 for images), then DD big-endian int32 sizes, then the product of the sizes in
 * unsigned bytes, row-major, and nothing after them.
 *
 * <h2>Checks</h2>
 *
 * The magic and sizes are validated <em>before</em> anything is allocated: a header claiming more
 * elements than a Java array holds, or more bytes than the file can hold (its size for a raw file;
 * 1032 times its size, deflate's largest expansion, for gzip), is refused at once. A file that ends
 * early or has bytes after the data is refused too. Every message starts with {@code file:byte N:},
 * the offset (in the decompressed stream) where the problem is.
 *
 * <h2>Shape contract</h2>
 *
 * {@link #readImages} returns {@code [count, rows * cols]} row-major pixels, each {@code byte /
 * 255f} in {@code [0, 1]} (0 and 255 map exactly to 0 and 1); {@link #readLabels} returns {@code
 * [count]} values in {@code [0, 255]}.
 *
 * <pre>{@code
 * ArrayDataset test = IdxReader.readDataset(
 *     dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
 * test.rows(); // 10000
 * test.cols(); // 784
 * }</pre>
 */
public final class IdxReader {
  static final int LABELS_MAGIC = 0x00000801;
  static final int IMAGES_MAGIC = 0x00000803;

  /** The largest array the JVM reliably allocates. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  /** Deflate cannot expand data by more than about 1032:1. */
  static final long MAX_GZIP_RATIO = 1032;

  private IdxReader() {}

  /**
   * The images of an IDX3 file with their height and width.
   *
   * @param pixels {@code [count, rows * cols]} row-major, values in {@code [0, 1]}
   * @param count number of images
   * @param rows image height
   * @param cols image width
   */
  public record Images(float[] pixels, int count, int rows, int cols) {
    public Images {
      if (pixels.length != (long) count * rows * cols) {
        throw new IllegalArgumentException(
            pixels.length + " pixels for " + count + " images of " + rows + "x" + cols);
      }
    }
  }

  /** Reads an IDX3 image file (magic {@code 0x00000803}). */
  public static Images readImages(Path path) throws IOException {
    var images = new Images[1];
    read(
        path,
        IMAGES_MAGIC,
        (in, dims, name) -> {
          float[] pixels = new float[dims[0] * dims[1] * dims[2]];
          readBytes(in, name, 16, pixels.length, (i, b) -> pixels[i] = b / 255f);
          images[0] = new Images(pixels, dims[0], dims[1], dims[2]);
        });
    return images[0];
  }

  /** Reads an IDX1 label file (magic {@code 0x00000801}). */
  public static int[] readLabels(Path path) throws IOException {
    var labels = new int[1][];
    read(
        path,
        LABELS_MAGIC,
        (in, dims, name) -> {
          int[] y = new int[dims[0]];
          readBytes(in, name, 8, y.length, (i, b) -> y[i] = b);
          labels[0] = y;
        });
    return labels[0];
  }

  /**
   * Reads an image file and its label file as a classification set: features {@code [count, rows *
   * cols]} named {@code px0, px1, ...}, classes named {@code 0 .. max label}.
   *
   * @throws DataFormatException if the two files hold different numbers of items
   */
  public static ArrayDataset readDataset(Path images, Path labels) throws IOException {
    return readDataset(images, labels, null);
  }

  /**
   * As {@link #readDataset(Path, Path)} with class names (e.g. Fashion-MNIST's {@code T-shirt/top,
   * Trouser, ...}); every label must be below {@code classNames.size()}.
   */
  public static ArrayDataset readDataset(Path images, Path labels, List<String> classNames)
      throws IOException {
    Images x = readImages(images);
    int[] y = readLabels(labels);
    if (y.length != x.count()) {
      throw DataFormatException.inFile(
          InputFiles.name(labels),
          y.length + " labels for the " + x.count() + " images of " + InputFiles.name(images));
    }
    int max = -1;
    for (int v : y) {
      max = Math.max(max, v);
    }
    if (classNames == null) {
      classNames = ArrayDataset.indexNames("", max + 1);
    } else if (max >= classNames.size()) {
      throw DataFormatException.inFile(
          InputFiles.name(labels),
          "label " + max + " has no name among the " + classNames.size() + " class names");
    }
    int cols = x.rows() * x.cols();
    return new ArrayDataset(
        x.pixels(), x.count(), cols, ArrayDataset.indexNames("px", cols), y, classNames, null, 0);
  }

  @FunctionalInterface
  private interface Body {
    void read(InputStream in, int[] dims, String name) throws IOException;
  }

  @FunctionalInterface
  private interface ByteSink {
    void put(int index, int unsignedByte);
  }

  private static void read(Path path, int magic, Body body) throws IOException {
    String name = InputFiles.name(path);
    long fileSize = Files.size(path);
    boolean gzip = InputFiles.isGzip(path);
    try (InputStream in = InputFiles.open(path)) {
      int found = readInt(in, name, 0, "the magic number");
      if (found != magic) {
        throw DataFormatException.atByte(
            name,
            0,
            String.format(
                "bad magic 0x%08X: expected 0x%08X (IDX %s: unsigned bytes, %d dimension%s)",
                found,
                magic,
                magic == IMAGES_MAGIC ? "images" : "labels",
                magic & 0xFF,
                (magic & 0xFF) == 1 ? "" : "s"));
      }
      int[] dims = new int[magic & 0xFF];
      long elements = 1;
      for (int k = 0; k < dims.length; k++) {
        long offset = 4 + 4L * k;
        dims[k] = readInt(in, name, offset, "dimension " + k);
        if (dims[k] < 0) {
          throw DataFormatException.atByte(
              name,
              offset,
              "dimension "
                  + k
                  + " is "
                  + Integer.toUnsignedString(dims[k])
                  + ": larger than any real data set (read as a signed int it is negative)");
        }
        elements *= dims[k]; // cannot overflow: at most 3 factors below 2^31 and checked below
        if (elements > MAX_ELEMENTS) {
          throw DataFormatException.atByte(
              name,
              4,
              "the header claims "
                  + elements
                  + "+ elements: more than a Java array holds ("
                  + MAX_ELEMENTS
                  + ")");
        }
      }
      long header = 4 + 4L * dims.length;
      long available = gzip ? fileSize * MAX_GZIP_RATIO : fileSize - header;
      if (elements > available) {
        throw DataFormatException.atByte(
            name,
            4,
            "the header claims "
                + elements
                + " data bytes but "
                + (gzip
                    ? "a gzip file of " + fileSize + " bytes decompresses to at most " + available
                    : "only " + available + " follow the header (file size " + fileSize + ")"));
      }
      body.read(in, dims, name);
      if (in.read() != -1) {
        throw DataFormatException.atByte(
            name,
            header + elements,
            "more bytes after the " + elements + " data bytes the header declares");
      }
    } catch (EOFException | ZipException e) {
      // The gzip layer reports a cut or damaged stream this way; name the file.
      throw DataFormatException.inFile(name, "damaged or truncated gzip data: " + e.getMessage());
    }
  }

  private static int readInt(InputStream in, String name, long offset, String what)
      throws IOException {
    byte[] b = in.readNBytes(4);
    if (b.length < 4) {
      throw DataFormatException.atByte(
          name, offset + b.length, "truncated: the file ends inside the header, reading " + what);
    }
    return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
  }

  /** Reads {@code n} unsigned bytes in chunks, refusing a stream that ends early. */
  private static void readBytes(InputStream in, String name, long header, int n, ByteSink sink)
      throws IOException {
    byte[] chunk = new byte[Math.min(n, 1 << 16)];
    int done = 0;
    while (done < n) {
      int want = Math.min(chunk.length, n - done);
      int got = in.readNBytes(chunk, 0, want);
      for (int i = 0; i < got; i++) {
        sink.put(done + i, chunk[i] & 0xFF);
      }
      done += got;
      if (got < want) {
        throw DataFormatException.atByte(
            name,
            header + done,
            "truncated: the header declares " + n + " data bytes, the file ends after " + done);
      }
    }
  }
}
