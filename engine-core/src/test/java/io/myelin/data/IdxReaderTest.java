package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path tmp;

  /** An IDX file: magic, sizes, then {@code payload}. */
  static byte[] idx(int magic, int[] dims, byte[] payload) {
    var b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length); // big-endian by default
    b.putInt(magic);
    for (int d : dims) {
      b.putInt(d);
    }
    b.put(payload);
    return b.array();
  }

  static byte[] gzip(byte[] data) throws IOException {
    var out = new ByteArrayOutputStream();
    try (var gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  Path write(String name, byte[] data) throws IOException {
    return Files.write(tmp.resolve(name), data);
  }

  @Test
  void randomImagesAndLabelsRoundTripRawAndGzip() throws IOException {
    var rng = new SplittableRandom(3);
    int n = 13;
    int h = 7;
    int w = 5;
    byte[] pixels = new byte[n * h * w];
    byte[] labels = new byte[n];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) rng.nextInt(256);
    }
    pixels[0] = (byte) 255;
    pixels[1] = 0;
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) rng.nextInt(10);
    }
    byte[] img = idx(IdxReader.IMAGES_MAGIC, new int[] {n, h, w}, pixels);
    byte[] lab = idx(IdxReader.LABELS_MAGIC, new int[] {n}, labels);
    for (boolean gz : new boolean[] {false, true}) {
      // Gzip named without .gz and raw named .gz: detection is by content.
      Path pi = write(gz ? "img.idx" : "img.idx.gz", gz ? gzip(img) : img);
      Path pl = write(gz ? "lab.idx" : "lab.idx.gz", gz ? gzip(lab) : lab);
      var images = IdxReader.readImages(pi);
      assertEquals(n, images.count());
      assertEquals(h, images.rows());
      assertEquals(w, images.cols());
      for (int i = 0; i < pixels.length; i++) {
        assertEquals((pixels[i] & 0xFF) / 255f, images.pixels()[i]);
      }
      assertEquals(1f, images.pixels()[0]);
      assertEquals(0f, images.pixels()[1]);
      int[] y = IdxReader.readLabels(pl);
      for (int i = 0; i < n; i++) {
        assertEquals(labels[i], y[i]);
      }
      var d = IdxReader.readDataset(pi, pl);
      assertEquals(h * w, d.cols());
      assertArrayEquals(y, d.labels());
    }
  }

  @Test
  void wrongMagic() throws IOException {
    Path p = write("labels.idx", idx(IdxReader.IMAGES_MAGIC, new int[] {1, 1, 1}, new byte[1]));
    assertEquals(
        "labels.idx:byte 0: bad magic 0x00000803: expected 0x00000801 (IDX labels:"
            + " unsigned bytes, 1 dimension)",
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(p)).getMessage());
  }

  @Test
  void hugeDimensionsAreRefusedBeforeAllocating() throws IOException {
    // 2^20 * 2^10 * 2^10 = 2^40 elements.
    Path p =
        write(
            "huge.idx",
            idx(IdxReader.IMAGES_MAGIC, new int[] {1 << 20, 1 << 10, 1 << 10}, new byte[16]));
    assertEquals(
        "huge.idx:byte 4: the header claims 1099511627776+ elements: more than a Java"
            + " array holds (2147483639)",
        assertThrows(DataFormatException.class, () -> IdxReader.readImages(p)).getMessage());
    Path neg = write("neg.idx", idx(IdxReader.LABELS_MAGIC, new int[] {-1}, new byte[0]));
    assertTrue(
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(neg))
            .getMessage()
            .startsWith("neg.idx:byte 4: dimension 0 is 4294967295"));
  }

  @Test
  void moreBytesThanTheFileHoldsAreRefusedAtOnce() throws IOException {
    byte[] raw = idx(IdxReader.IMAGES_MAGIC, new int[] {10000, 28, 28}, new byte[100]);
    Path p = write("claims.idx", raw);
    assertEquals(
        "claims.idx:byte 4: the header claims 7840000 data bytes but only 100 follow"
            + " the header (file size 116)",
        assertThrows(DataFormatException.class, () -> IdxReader.readImages(p)).getMessage());
    Path g = write("claims.gz", gzip(raw));
    assertTrue(
        assertThrows(DataFormatException.class, () -> IdxReader.readImages(g))
            .getMessage()
            .startsWith(
                "claims.gz:byte 4: the header claims 7840000 data bytes but a" + " gzip file of "));
  }

  @Test
  void truncatedFiles() throws IOException {
    byte[] full = idx(IdxReader.LABELS_MAGIC, new int[] {5000}, new byte[5000]);
    // Gzip bounds are loose (1032:1), so a short gzip payload is caught while reading.
    Path g = write("short.gz", gzip(Arrays.copyOf(full, 8 + 3000)));
    assertEquals(
        "short.gz:byte 3008: truncated: the header declares 5000 data bytes, the file"
            + " ends after 3000",
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(g)).getMessage());
    Path header = write("header.idx", Arrays.copyOf(full, 6));
    assertEquals(
        "header.idx:byte 6: truncated: the file ends inside the header, reading" + " dimension 0",
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(header)).getMessage());
    byte[] gz = gzip(full);
    Path cut = write("cut.gz", Arrays.copyOf(gz, gz.length - 12));
    assertTrue(
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(cut))
            .getMessage()
            .startsWith("cut.gz:"));
    Path extra = write("extra.idx", Arrays.copyOf(full, full.length + 3));
    assertEquals(
        "extra.idx:byte 5008: more bytes after the 5000 data bytes the header declares",
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(extra)).getMessage());
    Path empty = write("empty.idx", new byte[0]);
    assertEquals(
        "empty.idx:byte 0: truncated: the file ends inside the header, reading the magic"
            + " number",
        assertThrows(DataFormatException.class, () -> IdxReader.readLabels(empty)).getMessage());
  }

  @Test
  void mismatchedCounts() throws IOException {
    Path i = write("i.idx", idx(IdxReader.IMAGES_MAGIC, new int[] {3, 2, 2}, new byte[12]));
    Path l = write("l.idx", idx(IdxReader.LABELS_MAGIC, new int[] {2}, new byte[2]));
    assertEquals(
        "l.idx: 2 labels for the 3 images of i.idx",
        assertThrows(DataFormatException.class, () -> IdxReader.readDataset(i, l)).getMessage());
  }

  @Test
  void mnistSample() throws IOException {
    Path dir = TestData.dir("mnist-sample");
    var d =
        IdxReader.readDataset(
            dir.resolve("images-idx3-ubyte.gz"), dir.resolve("labels-idx1-ubyte.gz"));
    assertEquals(10000, d.rows());
    assertEquals(784, d.cols());
    assertEquals(10, d.numClasses());
    int[] counts = d.classCounts();
    assertEquals(10000, Arrays.stream(counts).sum());
    for (int c : counts) {
      assertTrue(c > 800 && c < 1200, "class count " + c);
    }
    // Grouped by label (README): labels never decrease.
    for (int i = 1; i < d.rows(); i++) {
      assertTrue(d.labels()[i] >= d.labels()[i - 1]);
    }
    checkPixels(d.features());
  }

  @Test
  void fashionMnistTestSet() throws IOException {
    Path dir = TestData.dir("fashion-mnist");
    var d =
        IdxReader.readDataset(
            dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
    assertEquals(10000, d.rows());
    assertEquals(784, d.cols());
    // The Fashion-MNIST test set has exactly 1000 images per class.
    int[] counts = d.classCounts();
    int[] thousand = new int[10];
    Arrays.fill(thousand, 1000);
    assertArrayEquals(thousand, counts);
    checkPixels(d.features());
  }

  /** Pixels in [0, 1], multiples of 1/255, both extremes present, mostly background. */
  static void checkPixels(float[] px) {
    int zeros = 0;
    boolean one = false;
    for (float v : px) {
      assertTrue(v >= 0 && v <= 1);
      assertEquals(Math.round(v * 255) / 255f, v);
      zeros += v == 0 ? 1 : 0;
      one |= v == 1f;
    }
    assertTrue(one);
    assertTrue(zeros > px.length / 3);
  }
}
