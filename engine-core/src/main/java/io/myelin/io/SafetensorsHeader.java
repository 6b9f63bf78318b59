package io.myelin.io;

import io.myelin.io.internal.Json;
import io.myelin.io.internal.JsonWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of a safetensors file: its tensors in header order and its string metadata.
 *
 * <h2>Layout of the file</h2>
 *
 * <pre>
 * [8 bytes]  N, the header length, unsigned little-endian
 * [N bytes]  UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [2, 3],
 *            "data_offsets": [begin, end]}, ...}, padded with spaces
 * [rest]     the byte buffer: little-endian, row-major elements; offsets are relative to its start
 * </pre>
 *
 * <p>A header is only built by {@link #parse}, which checks everything that can be checked without
 * reading tensor data: JSON syntax and UTF-8, duplicate keys, known dtypes, non-negative dims whose
 * product times the element size does not overflow and equals {@code end - begin}, {@code begin <=
 * end <= } buffer length, and that the tensors tile the buffer exactly (sorted by offset, each
 * starts where the previous ends and the last ends at the end of the file: no overlap, no gap, no
 * trailing bytes). Unknown fields inside a tensor entry are ignored, as the reference
 * implementation does.
 *
 * @param tensors entries in header order
 * @param metadata the {@code __metadata__} strings (empty when absent), in header order
 * @param dataStart file offset of the byte buffer ({@code 8 + N})
 * @param dataLength length of the byte buffer
 */
public record SafetensorsHeader(
    List<Entry> tensors, Map<String, String> metadata, long dataStart, long dataLength) {

  /** The reference implementation's limit on N; larger headers are refused before reading. */
  public static final long MAX_HEADER_LENGTH = 100_000_000L;

  static final String METADATA_KEY = "__metadata__";

  public SafetensorsHeader {
    tensors = List.copyOf(tensors);
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * One tensor of the header.
   *
   * @param name the key, exactly as in the file (PyTorch's {@code fc.weight} and so on)
   * @param dtype element type in the file
   * @param shape dims, row-major; empty for a scalar (the accessor returns a copy)
   * @param begin first byte, relative to the byte buffer
   * @param end one past the last byte, relative to the byte buffer
   */
  public record Entry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Element count (checked not to overflow by {@link SafetensorsHeader#parse}). */
    public long numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    @Override
    public String toString() {
      return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
    }
  }

  /** The entry named {@code name}, or null. */
  public Entry tensor(String name) {
    for (Entry e : tensors) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    return null;
  }

  /**
   * Parses and validates header bytes {@code json} (the N bytes after the length field).
   *
   * @param source file name for messages
   * @param dataLength bytes in the file after the header
   */
  static SafetensorsHeader parse(String source, byte[] json, long dataLength)
      throws SafetensorsFormatException {
    int bad = Json.firstInvalidUtf8(json, 0, json.length);
    if (bad >= 0) {
      throw SafetensorsFormatException.atByte(
          source,
          8 + bad,
          String.format("header is not valid UTF-8 (byte 0x%02x)", json[bad] & 0xFF));
    }
    Object root;
    try {
      root = Json.parse(json, 0, json.length);
    } catch (Json.SyntaxException e) {
      throw SafetensorsFormatException.atByte(
          source, 8 + e.offset(), "header is not valid JSON: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw SafetensorsFormatException.atByte(
          source, 8, "header must be a JSON object, found " + kind(root));
    }
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (var e : map.entrySet()) {
      String name = (String) e.getKey();
      if (name.equals(METADATA_KEY)) {
        readMetadata(source, e.getValue(), metadata);
      } else {
        entries.add(entry(source, name, e.getValue(), dataLength));
      }
    }
    checkTiling(source, entries, 8L + json.length, dataLength);
    return new SafetensorsHeader(entries, metadata, 8L + json.length, dataLength);
  }

  private static void readMetadata(String source, Object value, Map<String, String> out)
      throws SafetensorsFormatException {
    if (value == Json.NULL) {
      return; // the reference implementation writes and accepts null for "no metadata"
    }
    if (!(value instanceof Map<?, ?> m)) {
      throw SafetensorsFormatException.inFile(
          source, "__metadata__ must be an object of strings, found " + kind(value));
    }
    for (var e : m.entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw SafetensorsFormatException.inFile(
            source,
            "__metadata__ entry \""
                + e.getKey()
                + "\" must be a string, found "
                + kind(e.getValue()));
      }
      out.put((String) e.getKey(), s);
    }
  }

  private static Entry entry(String source, String name, Object value, long dataLength)
      throws SafetensorsFormatException {
    if (!(value instanceof Map<?, ?> m)) {
      throw SafetensorsFormatException.inTensor(
          source,
          name,
          "expected an object with dtype, shape and data_offsets, found " + kind(value));
    }
    if (!(m.get("dtype") instanceof String code)) {
      throw SafetensorsFormatException.inTensor(
          source, name, "\"dtype\" must be a string, found " + kind(m.get("dtype")));
    }
    SafetensorsDType dtype = SafetensorsDType.fromCode(code);
    if (dtype == null) {
      throw SafetensorsFormatException.inTensor(
          source,
          name,
          "unknown dtype \""
              + code
              + "\"; expected one of "
              + Arrays.toString(SafetensorsDType.values()));
    }
    long[] shape = integers(source, name, "shape", m.get("shape"));
    long[] offsets = integers(source, name, "data_offsets", m.get("data_offsets"));
    if (offsets.length != 2) {
      throw SafetensorsFormatException.inTensor(
          source,
          name,
          "\"data_offsets\" must hold [begin, end], found " + offsets.length + " numbers");
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw SafetensorsFormatException.inTensor(
          source, name, "data_offsets [" + begin + ", " + end + "] has begin > end");
    }
    if (end > dataLength) {
      throw SafetensorsFormatException.inTensor(
          source,
          name,
          "data_offsets ["
              + begin
              + ", "
              + end
              + "] lie outside the byte buffer of "
              + dataLength
              + " bytes");
    }
    long bytes;
    try {
      long n = 1;
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      bytes = Math.multiplyExact(n, (long) dtype.byteSize());
    } catch (ArithmeticException overflow) {
      throw SafetensorsFormatException.inTensor(
          source,
          name,
          "shape " + Arrays.toString(shape) + " has more elements than a long counts");
    }
    if (bytes != end - begin) {
      throw SafetensorsFormatException.inTensor(
          source,
          name,
          "shape "
              + Arrays.toString(shape)
              + " of "
              + dtype
              + " needs "
              + bytes
              + " bytes, data_offsets ["
              + begin
              + ", "
              + end
              + "] hold "
              + (end - begin));
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  /** A JSON array of non-negative integers. */
  private static long[] integers(String source, String name, String field, Object value)
      throws SafetensorsFormatException {
    if (!(value instanceof List<?> list)) {
      throw SafetensorsFormatException.inTensor(
          source, name, "\"" + field + "\" must be an array of integers, found " + kind(value));
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Long v) || v < 0) {
        throw SafetensorsFormatException.inTensor(
            source,
            name,
            "\"" + field + "\"[" + i + "] must be a non-negative integer, found " + list.get(i));
      }
      out[i] = v;
    }
    return out;
  }

  /** The format requires the tensors to cover the byte buffer exactly once. */
  private static void checkTiling(
      String source, List<Entry> entries, long dataStart, long dataLength)
      throws SafetensorsFormatException {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < covered) {
        throw SafetensorsFormatException.inTensor(
            source,
            e.name(),
            "data_offsets ["
                + e.begin()
                + ", "
                + e.end()
                + "] overlap tensor '"
                + previous.name()
                + "' at ["
                + previous.begin()
                + ", "
                + previous.end()
                + "]");
      }
      if (e.begin() > covered) {
        throw SafetensorsFormatException.atByte(
            source,
            dataStart + covered,
            "bytes ["
                + covered
                + ", "
                + e.begin()
                + ") of the byte buffer belong to no tensor (a gap before tensor '"
                + e.name()
                + "')");
      }
      covered = e.end();
      previous = e;
    }
    if (covered != dataLength) {
      throw SafetensorsFormatException.atByte(
          source,
          dataStart + covered,
          (dataLength - covered)
              + " trailing bytes after the last tensor (the byte buffer has "
              + dataLength
              + " bytes, the tensors cover "
              + covered
              + ")");
    }
  }

  private static String kind(Object v) {
    return switch (v) {
      case null -> "nothing";
      case Map<?, ?> m -> "an object";
      case List<?> l -> "an array";
      case String s -> "a string";
      case Boolean b -> "a boolean";
      case Number n -> "the number " + n;
      default -> "null";
    };
  }

  // ---- writing ------------------------------------------------------------------------------

  /**
   * The header bytes (without the length field) for {@code entries} and {@code metadata}, padded
   * with spaces so that the byte buffer starts 8-byte aligned, as the reference writer does.
   * Metadata comes first and is omitted when empty, again as the reference writes it.
   */
  static byte[] encode(List<Entry> entries, Map<String, String> metadata) {
    Map<String, Object> root = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      root.put(METADATA_KEY, metadata);
    }
    for (Entry e : entries) {
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", e.dtype().name());
      List<Long> shape = new ArrayList<>();
      for (long d : e.shape()) {
        shape.add(d);
      }
      info.put("shape", shape);
      info.put("data_offsets", List.of(e.begin(), e.end()));
      if (root.put(e.name(), info) != null) {
        throw new IllegalArgumentException("duplicate tensor name '" + e.name() + "'");
      }
    }
    byte[] json = JsonWriter.write(root).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) & ~7;
    byte[] out = Arrays.copyOf(json, padded);
    Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }
}
