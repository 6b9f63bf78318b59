package io.myelin.io;

import io.myelin.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Writes safetensors files from host data, atomically (see {@link AtomicFiles}). Tensors are laid
 * out in the given order with no gaps; each tensor's host copy is made only when its turn comes, so
 * saving a model needs the memory of its largest tensor, not of all of them.
 */
final class SafetensorsWriter {
  /**
   * One tensor to write.
   *
   * @param data supplies a {@code float[]}, {@code double[]} or {@code int[]} matching {@code
   *     dtype} with the product of {@code shape} elements, row-major
   */
  record Item(String name, DType dtype, int[] shape, Supplier<Object> data) {}

  private SafetensorsWriter() {}

  static void write(Path path, List<Item> items, Map<String, String> metadata) throws IOException {
    List<SafetensorsHeader.Entry> entries = layout(items, metadata);
    byte[] header = SafetensorsHeader.encode(entries, metadata);
    AtomicFiles.write(
        path,
        ch -> {
          ByteBuffer length =
              ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
          writeFully(ch, length);
          writeFully(ch, ByteBuffer.wrap(header));
          ByteBuffer chunk =
              ByteBuffer.allocate(SafetensorsReader.CHUNK).order(ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < items.size(); i++) {
            writeData(ch, chunk, items.get(i), entries.get(i).numel());
          }
        });
  }

  /** Validates names and metadata and assigns consecutive offsets. */
  private static List<SafetensorsHeader.Entry> layout(
      List<Item> items, Map<String, String> metadata) {
    for (var e : metadata.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException("metadata keys and values must not be null: " + e);
      }
    }
    Set<String> names = new HashSet<>();
    List<SafetensorsHeader.Entry> entries = new ArrayList<>();
    long offset = 0;
    for (Item item : items) {
      if (item.name() == null || item.name().equals(SafetensorsHeader.METADATA_KEY)) {
        throw new IllegalArgumentException(
            "tensor name must not be null or \"" + SafetensorsHeader.METADATA_KEY + "\"");
      }
      if (!names.add(item.name())) {
        throw new IllegalArgumentException("duplicate tensor name '" + item.name() + "'");
      }
      long[] shape = new long[item.shape().length];
      long numel = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = item.shape()[d];
        numel *= shape[d];
      }
      SafetensorsDType dtype = SafetensorsDType.of(item.dtype());
      long end = offset + numel * dtype.byteSize();
      entries.add(new SafetensorsHeader.Entry(item.name(), dtype, shape, offset, end));
      offset = end;
    }
    return entries;
  }

  private static void writeData(FileChannel ch, ByteBuffer chunk, Item item, long numel)
      throws IOException {
    Object data = item.data().get();
    int length =
        switch (data) {
          case float[] f when item.dtype() == DType.FLOAT32 -> f.length;
          case double[] d when item.dtype() == DType.FLOAT64 -> d.length;
          case int[] v when item.dtype() == DType.INT32 -> v.length;
          default ->
              throw new IllegalStateException(
                  "tensor '"
                      + item.name()
                      + "': host data "
                      + data.getClass().getSimpleName()
                      + " does not match dtype "
                      + item.dtype());
        };
    if (length != numel) {
      throw new IllegalStateException(
          "tensor '" + item.name() + "': " + length + " host values for " + numel + " elements");
    }
    int size = item.dtype().byteSize();
    for (int done = 0; done < length; ) {
      int count = Math.min(length - done, chunk.capacity() / size);
      chunk.clear();
      switch (data) {
        case float[] f -> chunk.asFloatBuffer().put(f, done, count);
        case double[] d -> chunk.asDoubleBuffer().put(d, done, count);
        case int[] v -> chunk.asIntBuffer().put(v, done, count);
        default -> throw new IllegalStateException();
      }
      chunk.limit(count * size);
      writeFully(ch, chunk);
      done += count;
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
