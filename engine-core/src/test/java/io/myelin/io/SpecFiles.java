package io.myelin.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Safetensors bytes built and taken apart by hand, straight from the format's description and
 * independent of the production reader and writer: there is no Python or PyTorch here to make
 * reference files, so the tests check the code against this second, deliberately naive, reading of
 * the spec.
 */
final class SpecFiles {
  private SpecFiles() {}

  /** 8-byte little-endian length, the header text as is (no padding), the data. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  static byte[] f32(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  static byte[] f64(double... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      b.putDouble(x);
    }
    return b.array();
  }

  static byte[] i32(int... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }

  static byte[] i64(long... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) {
      b.putLong(x);
    }
    return b.array();
  }

  static byte[] u16(int... v) {
    ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) {
      b.putShort((short) x);
    }
    return b.array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A tensor entry as the spec's JSON: {"dtype":..,"shape":[..],"data_offsets":[b,e]}. */
  static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\""
        + name
        + "\":{\"dtype\":\""
        + dtype
        + "\",\"shape\":"
        + shape
        + ",\"data_offsets\":["
        + begin
        + ","
        + end
        + "]}";
  }

  /** One tensor as the naive parser sees it. */
  record Parsed(String dtype, long[] shape, byte[] bytes) {}

  /** What the naive parser finds in a file. */
  record ParsedFile(
      long headerLength,
      String header,
      Map<String, Parsed> tensors,
      Map<String, String> metadata) {}

  private static final Pattern ENTRY =
      Pattern.compile(
          "\"((?:[^\"\\\\]|\\\\.)*)\":\\{\"dtype\":\"(\\w+)\",\"shape\":\\[([0-9,]*)\\],"
              + "\"data_offsets\":\\[(\\d+),(\\d+)\\]\\}");
  private static final Pattern META_BLOCK = Pattern.compile("\"__metadata__\":\\{([^{}]*)\\}");
  private static final Pattern META_PAIR =
      Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * Parses a file as the spec describes it, with regular expressions over the header text (enough
   * for the compact JSON our writer produces, names without escapes), asserting the layout rules on
   * the way: length field, header padded with spaces to 8-byte alignment, offsets tiling the buffer
   * in file order.
   */
  static ParsedFile parse(byte[] file) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong(0);
    assertEquals(0, (8 + n) % 8, "byte buffer starts 8-byte aligned");
    String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
    String trimmed = header.stripTrailing();
    assertTrue(
        header.substring(trimmed.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
    Map<String, String> metadata = new LinkedHashMap<>();
    Matcher mb = META_BLOCK.matcher(trimmed);
    String rest = trimmed;
    if (mb.find()) {
      Matcher p = META_PAIR.matcher(mb.group(1));
      while (p.find()) {
        metadata.put(unescape(p.group(1)), unescape(p.group(2)));
      }
      rest = trimmed.substring(0, mb.start()) + trimmed.substring(mb.end());
    }
    Map<String, Parsed> tensors = new LinkedHashMap<>();
    Matcher m = ENTRY.matcher(rest);
    long expected = 0;
    int dataStart = (int) (8 + n);
    while (m.find()) {
      List<Long> dims = new ArrayList<>();
      if (!m.group(3).isEmpty()) {
        for (String d : m.group(3).split(",")) {
          dims.add(Long.parseLong(d));
        }
      }
      long begin = Long.parseLong(m.group(4));
      long end = Long.parseLong(m.group(5));
      assertEquals(expected, begin, "tensors are stored in header order without gaps");
      expected = end;
      byte[] bytes =
          java.util.Arrays.copyOfRange(file, dataStart + (int) begin, dataStart + (int) end);
      tensors.put(
          unescape(m.group(1)),
          new Parsed(m.group(2), dims.stream().mapToLong(Long::longValue).toArray(), bytes));
    }
    assertEquals(file.length - dataStart, expected, "tensors cover the byte buffer exactly");
    return new ParsedFile(n, header, tensors, metadata);
  }

  private static String unescape(String s) {
    return s.replace("\\\"", "\"").replace("\\\\", "\\");
  }
}
