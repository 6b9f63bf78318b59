package io.myelin.io;

import static io.myelin.io.SpecFiles.entry;
import static io.myelin.io.SpecFiles.f32;
import static io.myelin.io.SpecFiles.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed layout is refused with a typed exception naming the file and the place. */
class SafetensorsValidationTest {
  static final String SRC = "t.safetensors";

  static SafetensorsHeader header(byte[] bytes) throws IOException {
    return SafetensorsReader.readHeader(new ByteArrayChannel(bytes), SRC);
  }

  static SafetensorsFormatException refused(byte[] bytes, String... fragments) {
    var e =
        assertThrows(
            SafetensorsFormatException.class,
            () -> {
              try (var ch = new ByteArrayChannel(bytes)) {
                SafetensorsHeader h = SafetensorsReader.readHeader(ch, SRC);
                SafetensorsReader.readAll(ch, SRC, h);
              }
            });
    assertTrue(e.getMessage().startsWith(SRC + ":"), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should contain '" + f + "'");
    }
    return e;
  }

  static String header(String... entries) {
    return "{" + String.join(",", entries) + "}";
  }

  @Test
  void acceptsAValidFileWithPaddingAndMetadata() throws IOException {
    String h = header("\"__metadata__\":{\"k\":\"v\"}", entry("a", "F32", "[2]", 0, 8)) + "      ";
    SafetensorsHeader parsed = header(file(h, f32(1, 2)));
    assertEquals("v", parsed.metadata().get("k"));
    assertEquals(8 + h.length(), parsed.dataStart());
    assertEquals(8, parsed.dataLength());
  }

  @Test
  void headerLengthBeyondTheFileOrTheLimit() {
    byte[] tooShort = {1, 2, 3};
    var e = refused(tooShort, "3 bytes", "8-byte header length");
    assertEquals(0, e.offset());
    byte[] huge =
        ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(10_000_000_000L).array();
    refused(huge, "header length 10000000000 exceeds the limit of 100000000");
    byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array();
    refused(negative, "header length 18446744073709551615 exceeds");
    byte[] beyond = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
    refused(beyond, "header length 1000 is larger than the 8 bytes that follow");
  }

  @Test
  void headerNotUtf8OrNotJson() {
    byte[] f = file("{\"a\":1}", new byte[0]);
    f[10] = (byte) 0xFF;
    var e = refused(f, "not valid UTF-8", "0xff");
    assertEquals(10, e.offset());
    e = refused(file("{\"a\" 1}", new byte[0]), "not valid JSON", "expected ':'");
    assertEquals(8 + 5, e.offset());
    refused(file("[1]", new byte[0]), "must be a JSON object");
    refused(file("", new byte[0]), "not valid JSON");
  }

  @Test
  void duplicateKeys() {
    var e =
        refused(
            file(header(entry("a", "F32", "[]", 0, 4), entry("a", "F32", "[]", 4, 8)), f32(1, 2)),
            "duplicate key \"a\"");
    assertTrue(e.offset() > 8);
  }

  @Test
  void unknownDtypeAndMissingFields() {
    var e =
        refused(
            file(header(entry("w", "F128", "[1]", 0, 16)), new byte[16]), "unknown dtype \"F128\"");
    assertEquals("w", e.tensor());
    refused(
        file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1)),
        "'w'",
        "\"dtype\" must be a string");
    refused(
        file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", f32(1)),
        "\"shape\" must be an array");
    refused(
        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", f32(1)),
        "\"data_offsets\" must be an array");
    refused(file("{\"w\":[]}", new byte[0]), "expected an object with dtype");
    refused(
        file(header(entry("w", "F32", "[1]", 0, 4).replace("[0,4]", "[0,4,8]")), f32(1)),
        "[begin, end]");
    refused(
        file("{\"__metadata__\":{\"k\":1}}", new byte[0]),
        "__metadata__ entry \"k\" must be a string");
    refused(file("{\"__metadata__\":[]}", new byte[0]), "__metadata__ must be an object");
  }

  @Test
  void badShapes() {
    refused(
        file(header(entry("w", "F32", "[-1]", 0, 4)), f32(1)),
        "tensor 'w'",
        "\"shape\"[0] must be a non-negative integer, found -1");
    refused(
        file(header(entry("w", "F32", "[1.5]", 0, 4)), f32(1)), "non-negative integer, found 1.5");
    refused(
        file(header(entry("w", "F32", "[4294967296,4294967296,4294967296]", 0, 4)), f32(1)),
        "'w'",
        "more elements than a long counts");
    refused(
        file(header(entry("w", "F32", "[2,3]", 0, 20)), new byte[20]),
        "'w'",
        "shape [2, 3] of F32 needs 24 bytes, data_offsets [0, 20] hold 20");
  }

  @Test
  void badOffsets() {
    refused(file(header(entry("w", "F32", "[1]", 8, 4)), new byte[8]), "'w'", "begin > end");
    refused(
        file(header(entry("w", "F32", "[1]", 4, 8)), f32(1)),
        "'w'",
        "outside the byte buffer of 4 bytes");
    refused(file(header(entry("w", "F32", "[1]", 0, -4)), f32(1)), "non-negative integer");
  }

  @Test
  void overlapsGapsAndTrailingBytes() {
    var e =
        refused(
            file(header(entry("a", "F32", "[2]", 0, 8), entry("b", "F32", "[1]", 4, 8)), f32(1, 2)),
            "tensor 'b'",
            "overlap tensor 'a' at [0, 8]");
    assertEquals("b", e.tensor());
    String gap = header(entry("a", "F32", "[1]", 0, 4), entry("b", "F32", "[1]", 8, 12));
    e =
        refused(
            file(gap, f32(1, 2, 3)), "bytes [4, 8) of the byte buffer belong to no tensor", "'b'");
    assertEquals(8 + gap.length() + 4, e.offset());
    String one = header(entry("a", "F32", "[1]", 0, 4));
    e = refused(file(one, f32(1, 2)), "4 trailing bytes");
    assertEquals(8 + one.length() + 4, e.offset());
    // A zero-size tensor inside another one still overlaps it (as the reference rules).
    refused(
        file(header(entry("a", "F32", "[2]", 0, 8), entry("z", "F32", "[0]", 4, 4)), f32(1, 2)),
        "overlap");
  }

  @Test
  void tensorsMyelinCannotHold() {
    refused(
        file(header(entry("q", "F8_E4M3", "[2]", 0, 2)), new byte[2]), "'q'", "cannot be loaded");
    refused(
        file(header(entry("big", "I64", "[2]", 0, 16)), SpecFiles.i64(1, 1L << 40)),
        "'big'",
        "element 1 is 1099511627776, outside the int32 range");
    refused(
        file(header(entry("u", "U64", "[1]", 0, 8)), SpecFiles.i64(-1)), "18446744073709551615");
    refused(
        file(header(entry("w", "F32", "[0,4294967296]", 0, 0)), new byte[0]),
        "exceeds a tensor dim's limit");
  }

  @Test
  void messagesNameTheFileOnDisk(@TempDir Path dir) throws IOException {
    Path p = dir.resolve("weights.safetensors");
    Files.write(p, file(header(entry("w", "F32", "[3]", 0, 8)), new byte[8]));
    var e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.readHeader(p));
    assertTrue(
        e.getMessage()
            .startsWith("weights.safetensors: tensor 'w': shape [3] of F32 needs 12 bytes"),
        e.getMessage());
    assertEquals("weights.safetensors", e.source());
  }
}
