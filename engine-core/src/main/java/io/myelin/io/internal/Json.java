package io.myelin.io.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The project's one JSON codec (with {@link JsonWriter}): a small, strict JSON (RFC 8259) reader
 * for safetensors headers, model files and the command line's files, so that Myelin needs no JSON
 * library. Internal: public so that Myelin's own modules share it, not supported API (it may change
 * without notice; see docs/design/modules.md).
 *
 * <p>Values map to Java as: object {@code LinkedHashMap<String, Object>} (key order kept, duplicate
 * keys rejected), array {@code List<Object>}, string {@code String}, integer literal {@code Long}
 * (a {@code Double} when it does not fit), other numbers {@code Double}, {@code true}/{@code false}
 * {@code Boolean}, {@code null} {@link #NULL}.
 *
 * <p>The reader works on UTF-8 bytes, not characters, so that every error carries the byte offset a
 * user can look up with a hex dump. It refuses what lenient parsers accept (comments, trailing
 * commas, single quotes, leading zeros, control characters in strings, lone surrogates, NaN) and
 * bounds nesting depth and number length, so a hostile header cannot exhaust the stack or make
 * {@link BigInteger} parsing quadratic. Stateless and thread-safe.
 */
public final class Json {
  /** JSON {@code null} (a sentinel, because maps of Java nulls are error-prone). */
  public static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  /** Deepest nesting accepted; safetensors headers need 3. */
  public static final int MAX_DEPTH = 64;

  /** Longest number literal accepted (a long has 19 digits; a double needs at most ~30). */
  public static final int MAX_NUMBER_LENGTH = 400;

  /** A syntax error at a byte offset of the parsed range. */
  public static final class SyntaxException extends Exception {
    private final long offset;

    SyntaxException(long offset, String message) {
      super(message);
      this.offset = offset;
    }

    /** Offset relative to the start of the parsed range. */
    public long offset() {
      return offset;
    }
  }

  private final byte[] in;
  private final int end;
  private final int start;
  private int pos;

  private Json(byte[] in, int start, int end) {
    this.in = in;
    this.start = start;
    this.end = end;
    this.pos = start;
  }

  /**
   * Parses one JSON value filling {@code bytes[offset, offset + length)} (surrounding whitespace
   * allowed). The bytes must already be valid UTF-8 (callers check that first, with its own
   * message).
   */
  public static Object parse(byte[] bytes, int offset, int length) throws SyntaxException {
    Json p = new Json(bytes, offset, offset + length);
    p.skipWhitespace();
    Object v = p.value(0);
    p.skipWhitespace();
    if (p.pos != p.end) {
      throw p.error("unexpected '" + p.printable(p.in[p.pos]) + "' after the JSON value");
    }
    return v;
  }

  public static Object parse(String text) throws SyntaxException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return parse(b, 0, b.length);
  }

  /**
   * Parses a whole document whose top level is an object, checking UTF-8 first: the form a file's
   * reader wants.
   *
   * @param source the file name for messages
   * @throws IllegalArgumentException {@code "<source>:byte <offset>: <what>"} for bytes that are
   *     not UTF-8, a syntax error, or a top level that is not an object
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(byte[] bytes, String source) {
    int bad = firstInvalidUtf8(bytes, 0, bytes.length);
    if (bad >= 0) {
      throw new IllegalArgumentException(source + ":byte " + bad + ": not UTF-8 text");
    }
    Object v;
    try {
      v = parse(bytes, 0, bytes.length);
    } catch (SyntaxException e) {
      throw new IllegalArgumentException(
          source + ":byte " + e.offset() + ": invalid JSON: " + e.getMessage(), e);
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(
          source + ": expected a JSON object at the top level, found " + kind(v));
    }
    return (Map<String, Object>) m;
  }

  /** {@link #parseObject(byte[], String)} of {@code text}'s UTF-8 bytes. */
  public static Map<String, Object> parseObject(String text, String source) {
    return parseObject(text.getBytes(StandardCharsets.UTF_8), source);
  }

  /** True for JSON {@code null} as this reader returns it ({@link #NULL}) and for Java null. */
  public static boolean isNull(Object value) {
    return value == null || value == NULL;
  }

  /** What a value is, in JSON's words, for messages: {@code "an array"}, {@code "null"}... */
  public static String kind(Object v) {
    return switch (v) {
      case null -> "null";
      case Map<?, ?> m -> "an object";
      case List<?> l -> "an array";
      case String s -> "a string";
      case Boolean b -> "a boolean";
      case Number n -> "a number";
      default -> v == NULL ? "null" : "a " + v.getClass().getSimpleName();
    };
  }

  private Object value(int depth) throws SyntaxException {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }
    if (pos >= end) {
      throw error("expected a value, found the end of the input");
    }
    byte c = in[pos];
    return switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", NULL);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw error("expected a value, found '" + printable(c) + "'");
      }
    };
  }

  private Map<String, Object> object(int depth) throws SyntaxException {
    pos++; // '{'
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a string key");
      }
      int keyAt = pos;
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      Object v = value(depth + 1);
      if (map.putIfAbsent(key, v) != null) {
        pos = keyAt;
        throw error("duplicate key \"" + key + "\"");
      }
      skipWhitespace();
      byte c = peek();
      pos++;
      if (c == '}') {
        return map;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or '}' in an object");
      }
    }
  }

  private List<Object> array(int depth) throws SyntaxException {
    pos++; // '['
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      skipWhitespace();
      list.add(value(depth + 1));
      skipWhitespace();
      byte c = peek();
      pos++;
      if (c == ']') {
        return list;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or ']' in an array");
      }
    }
  }

  private String string() throws SyntaxException {
    pos++; // opening quote
    StringBuilder sb = null;
    int runStart = pos;
    while (true) {
      if (pos >= end) {
        throw error("unterminated string");
      }
      byte c = in[pos];
      if (c == '"') {
        String run = new String(in, runStart, pos - runStart, StandardCharsets.UTF_8);
        pos++;
        return sb == null ? run : sb.append(run).toString();
      }
      if ((c & 0xFF) < 0x20) {
        throw error("control character 0x" + Integer.toHexString(c) + " in a string (escape it)");
      }
      if (c != '\\') {
        pos++; // bytes >= 0x80 are part of already validated UTF-8 sequences
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder();
      }
      sb.append(new String(in, runStart, pos - runStart, StandardCharsets.UTF_8));
      pos++;
      if (pos >= end) {
        throw error("unterminated escape");
      }
      byte e = in[pos++];
      switch (e) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case '/' -> sb.append('/');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> unicodeEscape(sb);
        default -> {
          pos--;
          throw error("bad escape '\\" + printable(e) + "'");
        }
      }
      runStart = pos;
    }
  }

  private void unicodeEscape(StringBuilder sb) throws SyntaxException {
    char c = hex4();
    if (Character.isHighSurrogate(c)) {
      if (pos + 1 < end && in[pos] == '\\' && in[pos + 1] == 'u') {
        pos += 2;
        char low = hex4();
        if (Character.isLowSurrogate(low)) {
          sb.append(c).append(low);
          return;
        }
      }
      throw error("high surrogate \\u" + Integer.toHexString(c) + " not followed by a low one");
    }
    if (Character.isLowSurrogate(c)) {
      throw error("lone low surrogate \\u" + Integer.toHexString(c));
    }
    sb.append(c);
  }

  private char hex4() throws SyntaxException {
    if (end - pos < 4) {
      throw error("\\u needs 4 hex digits");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(in[pos] & 0xFF, 16);
      if (d < 0) {
        throw error("\\u needs 4 hex digits, found '" + printable(in[pos]) + "'");
      }
      v = v * 16 + d;
      pos++;
    }
    return (char) v;
  }

  private Object number() throws SyntaxException {
    int from = pos;
    boolean integral = true;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
      if (isDigit(peek())) {
        throw error("leading zero in a number");
      }
    } else {
      digits("a digit");
    }
    if (peek() == '.') {
      integral = false;
      pos++;
      digits("a digit after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      digits("a digit in the exponent");
    }
    int length = pos - from;
    if (length > MAX_NUMBER_LENGTH) {
      pos = from;
      throw error("number literal longer than " + MAX_NUMBER_LENGTH + " characters");
    }
    // The syntax was checked above, so the JDK parsers below cannot throw.
    String text = new String(in, from, length, StandardCharsets.US_ASCII);
    if (!integral) {
      return Double.parseDouble(text);
    }
    if (length <= 18) {
      return Long.parseLong(text);
    }
    BigInteger big = new BigInteger(text);
    return big.bitLength() < 64 ? (Object) big.longValue() : (Object) big.doubleValue();
  }

  private void digits(String what) throws SyntaxException {
    if (!isDigit(peek())) {
      throw error("expected " + what);
    }
    while (isDigit(peek())) {
      pos++;
    }
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private Object literal(String word, Object value) throws SyntaxException {
    byte[] w = word.getBytes(StandardCharsets.US_ASCII);
    if (end - pos < w.length) {
      throw error("expected '" + word + "'");
    }
    for (int i = 0; i < w.length; i++) {
      if (in[pos + i] != w[i]) {
        throw error("expected '" + word + "'");
      }
    }
    pos += w.length;
    return value;
  }

  private void expect(char c) throws SyntaxException {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  /** The byte at the cursor, or 0 at the end (0 is never valid there, so it fails naturally). */
  private byte peek() {
    return pos < end ? in[pos] : 0;
  }

  private void skipWhitespace() {
    while (pos < end) {
      byte c = in[pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private SyntaxException error(String message) {
    return new SyntaxException(pos - start, message);
  }

  private String printable(byte b) {
    int c = b & 0xFF;
    return c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c);
  }

  /**
   * The offset (relative to {@code offset}) of the first byte that does not belong to a well-formed
   * UTF-8 sequence, or -1. Overlong forms, surrogates and code points above U+10FFFF are malformed
   * (as in {@link java.nio.charset.CharsetDecoder}), checked without allocating.
   */
  public static int firstInvalidUtf8(byte[] b, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int n;
      int min;
      if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        min = 0x80;
      } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        min = 0x800;
      } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        min = 0x10000;
      } else {
        return i - offset;
      }
      if (end - i <= n) {
        return i - offset;
      }
      int cp = c & (0x3F >> n);
      for (int k = 1; k <= n; k++) {
        int cc = b[i + k] & 0xFF;
        if ((cc & 0xC0) != 0x80) {
          return i - offset;
        }
        cp = (cp << 6) | (cc & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return i - offset;
      }
      i += n + 1;
    }
    return -1;
  }
}
