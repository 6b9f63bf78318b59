package io.myelin.io.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesEveryKindOfValue() throws Exception {
    Object v =
        Json.parse(
            " {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\"], \"b\": {}} ");
    Map<?, ?> m = (Map<?, ?>) v;
    List<?> a = (List<?>) m.get("a");
    assertEquals(1L, a.get(0));
    assertEquals(-2L, a.get(1));
    assertEquals(3.5, a.get(2));
    assertEquals(1000.0, a.get(3));
    assertEquals(true, a.get(4));
    assertEquals(false, a.get(5));
    assertSame(Json.NULL, a.get(6));
    assertEquals("x\né😀", a.get(7));
    assertEquals(Map.of(), m.get("b"));
  }

  @Test
  void keepsKeyOrderAndBigNumbers() throws Exception {
    Map<?, ?> m =
        (Map<?, ?>) Json.parse("{\"z\":9223372036854775807,\"a\":9223372036854775808,\"m\":-0}");
    assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
    assertEquals(Long.MAX_VALUE, m.get("z"));
    assertEquals(9.223372036854775808E18, m.get("a")); // beyond long: a double, never an exception
    assertEquals(0L, m.get("m"));
  }

  @Test
  void rejectsWhatLenientParsersAccept() {
    String[] bad = {
      "",
      "{",
      "{\"a\":1,}",
      "[1,]",
      "{'a':1}",
      "01",
      "1.",
      ".5",
      "+1",
      "-",
      "1e",
      "NaN",
      "Infinity",
      "{\"a\":1 \"b\":2}",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"a\tb\"",
      "tru",
      "nul",
      "{\"a\":1}{}",
      "/*c*/1",
      "[1 2]",
      "{\"a\" 1}",
      "{1:2}",
      "\"unterminated",
    };
    for (String s : bad) {
      assertThrows(Json.SyntaxException.class, () -> Json.parse(s), s);
    }
  }

  @Test
  void rejectsDuplicateKeysAtTheirOffset() {
    var e = assertThrows(Json.SyntaxException.class, () -> Json.parse("{\"a\":1,\"a\":2}"));
    assertEquals(7, e.offset());
    assertTrue(e.getMessage().contains("duplicate key \"a\""), e.getMessage());
  }

  @Test
  void boundsDepthAndNumberLength() {
    String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
    var e = assertThrows(Json.SyntaxException.class, () -> Json.parse(deep));
    assertTrue(e.getMessage().contains("nesting"), e.getMessage());
    String longNumber = "1".repeat(Json.MAX_NUMBER_LENGTH + 1);
    assertThrows(Json.SyntaxException.class, () -> Json.parse(longNumber));
    // A huge exponent is a valid number: it becomes infinity, not an exception.
    assertEquals(Double.POSITIVE_INFINITY, assertDoesNotThrow("1e999999999999"));
  }

  private static Object assertDoesNotThrow(String s) {
    try {
      return Json.parse(s);
    } catch (Json.SyntaxException e) {
      throw new AssertionError(s, e);
    }
  }

  @Test
  void writesWhatItReads() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "q\"b\\n\n\u0001é😀");
    m.put("l", List.of(1L, 2.5, 1e-300, true));
    m.put("n", Json.NULL);
    m.put("o", Map.of("k", "v"));
    String text = JsonWriter.write(m);
    assertEquals(m, Json.parse(text));
    assertEquals("{\"a\":0.1}", JsonWriter.write(Map.of("a", 0.1)));
  }

  @Test
  void refusesWhatJsonCannotHold() {
    assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> JsonWriter.write("a\ud800b"));
    assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(new Object()));
  }

  @Test
  void writesIndentedTextThatReadsBackTheSame() throws Exception {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("k", "v");
    inner.put("e", Map.of());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1L);
    m.put("l", List.of(1L, 2.5));
    m.put("o", inner);
    m.put("n", null);
    String text = JsonWriter.writeIndented(m);
    assertEquals(
        "{\n  \"a\": 1,\n  \"l\": [1, 2.5],\n  \"o\": {\n    \"k\": \"v\",\n    \"e\": {}\n  },"
            + "\n  \"n\": null\n}\n",
        text);
    Map<String, Object> expected = new LinkedHashMap<>(m);
    expected.put("n", Json.NULL);
    assertEquals(expected, Json.parse(text));
  }

  @Test
  void writesPrimitiveArraysAsArrays() throws Exception {
    assertEquals("[0.5,-1.0]", JsonWriter.write(new double[] {0.5, -1}));
    assertEquals("[0.5,0.10000000149011612]", JsonWriter.write(new float[] {0.5f, 0.1f}));
    assertEquals("[1,-2]", JsonWriter.write(new int[] {1, -2}));
    assertEquals("[9223372036854775807]", JsonWriter.write(new long[] {Long.MAX_VALUE}));
    // Doubles written with Double.toString read back bit for bit.
    double[] v = {Math.PI, 1e-300, -0.0, Double.MIN_VALUE, 0.1 + 0.2};
    List<?> back = (List<?>) Json.parse(JsonWriter.write(v));
    for (int i = 0; i < v.length; i++) {
      assertEquals(
          Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits((Double) back.get(i)));
    }
    assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(new double[] {Double.NaN}));
  }

  @Test
  void parseObjectNamesTheSourceAndTheByte() {
    assertEquals(Map.of("a", 1L), Json.parseObject("{\"a\": 1}", "f.json"));
    var syntax =
        assertThrows(
            IllegalArgumentException.class, () -> Json.parseObject("{\"a\": [1, 2", "x.json"));
    assertEquals(
        "x.json:byte 11: invalid JSON: expected ',' or ']' in an array", syntax.getMessage());
    var notUtf8 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Json.parseObject(new byte[] {'{', '"', (byte) 0xC3, '"', '}'}, "b.json"));
    assertEquals("b.json:byte 2: not UTF-8 text", notUtf8.getMessage());
    var notObject =
        assertThrows(IllegalArgumentException.class, () -> Json.parseObject("[1]", "l.json"));
    assertEquals(
        "l.json: expected a JSON object at the top level, found an array", notObject.getMessage());
    assertTrue(Json.isNull(Json.NULL) && Json.isNull(null) && !Json.isNull("null"));
  }

  @Test
  void findsInvalidUtf8() {
    assertEquals(-1, Json.firstInvalidUtf8("aé😀".getBytes(StandardCharsets.UTF_8), 0, 7));
    byte[][] bad = {
      {(byte) 0xC0, (byte) 0x80}, // overlong NUL
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // surrogate
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
      {(byte) 0xE2, (byte) 0x82}, // truncated
      {(byte) 0x80}, // lone continuation
    };
    for (byte[] b : bad) {
      byte[] withPrefix = new byte[b.length + 2];
      withPrefix[0] = 'o';
      withPrefix[1] = 'k';
      System.arraycopy(b, 0, withPrefix, 2, b.length);
      assertEquals(2, Json.firstInvalidUtf8(withPrefix, 0, withPrefix.length));
    }
  }
}
