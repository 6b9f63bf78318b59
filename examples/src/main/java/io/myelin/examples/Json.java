package io.myelin.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The little JSON the command line reads and writes (run summaries, model files): objects as {@link
 * LinkedHashMap}, arrays as {@link List}, numbers as {@link Double} (or {@link Long} when written),
 * strings, booleans and {@code null}. Written indented, keys in insertion order.
 *
 * <pre>{@code
 * String text = Json.write(Map.of("task", "classify", "epochs", 10));
 * Map<String, Object> back = Json.parseObject(text, "summary.json");
 * }</pre>
 */
public final class Json {
  private Json() {}

  /** Indented JSON text for maps, lists, strings, numbers, booleans, arrays and null. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0);
    return sb.append('\n').toString();
  }

  private static void write(StringBuilder sb, Object v, int indent) {
    switch (v) {
      case null -> sb.append("null");
      case String s -> quote(sb, s);
      case Boolean b -> sb.append(b);
      case Integer i -> sb.append(i);
      case Long l -> sb.append(l);
      case Number n -> number(sb, n.doubleValue());
      case double[] a -> {
        List<Object> l = new ArrayList<>();
        for (double d : a) {
          l.add(d);
        }
        writeInline(sb, l);
      }
      case Map<?, ?> m -> {
        if (m.isEmpty()) {
          sb.append("{}");
          return;
        }
        sb.append("{\n");
        int i = 0;
        for (var e : m.entrySet()) {
          sb.append("  ".repeat(indent + 1));
          quote(sb, String.valueOf(e.getKey()));
          sb.append(": ");
          write(sb, e.getValue(), indent + 1);
          sb.append(++i < m.size() ? ",\n" : "\n");
        }
        sb.append("  ".repeat(indent)).append('}');
      }
      case List<?> l -> writeInline(sb, l);
      default -> throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
    }
  }

  private static void writeInline(StringBuilder sb, List<?> l) {
    sb.append('[');
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      write(sb, l.get(i), 0);
    }
    sb.append(']');
  }

  private static void number(StringBuilder sb, double d) {
    if (!Double.isFinite(d)) {
      sb.append("null"); // JSON has no NaN or infinity
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      sb.append((long) d);
    } else {
      sb.append(
          String.format(Locale.ROOT, "%.9g", d)
              .replaceFirst("0+(e|$)", "$1")
              .replaceFirst("\\.(e|$)", ".0$1"));
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /**
   * Parses a JSON document whose top level is an object.
   *
   * @param source the file name used in error messages
   * @throws IllegalArgumentException naming the source and the character offset of a syntax error
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text, String source) {
    Parser p = new Parser(text, source);
    p.skip();
    Object v = p.value(0);
    p.skip();
    if (p.pos != text.length()) {
      throw p.error("unexpected text after the document");
    }
    if (!(v instanceof Map)) {
      throw p.error("expected a JSON object at the top level");
    }
    return (Map<String, Object>) v;
  }

  private static final class Parser {
    final String s;
    final String source;
    int pos;

    Parser(String s, String source) {
      this.s = s;
      this.source = source;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException(
          source + ": invalid JSON at character " + pos + ": " + what);
    }

    void skip() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    Object value(int depth) {
      if (depth > 64) {
        throw error("nested too deeply");
      }
      if (pos >= s.length()) {
        throw error("unexpected end of file");
      }
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> number();
      };
    }

    Object literal(String word, Object value) {
      if (!s.startsWith(word, pos)) {
        throw error("expected a value");
      }
      pos += word.length();
      return value;
    }

    Map<String, Object> object(int depth) {
      Map<String, Object> m = new LinkedHashMap<>();
      pos++;
      skip();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return m;
      }
      while (true) {
        skip();
        if (pos >= s.length() || s.charAt(pos) != '"') {
          throw error("expected a quoted key");
        }
        String key = string();
        skip();
        expect(':');
        skip();
        m.put(key, value(depth + 1));
        skip();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
        } else {
          expect('}');
          return m;
        }
      }
    }

    List<Object> array(int depth) {
      List<Object> l = new ArrayList<>();
      pos++;
      skip();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return l;
      }
      while (true) {
        skip();
        l.add(value(depth + 1));
        skip();
        if (pos < s.length() && s.charAt(pos) == ',') {
          pos++;
        } else {
          expect(']');
          return l;
        }
      }
    }

    void expect(char c) {
      if (pos >= s.length() || s.charAt(pos) != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    String string() {
      StringBuilder sb = new StringBuilder();
      pos++;
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case 'r' -> sb.append('\r');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> sb.append(e);
        }
      }
    }

    Double number() {
      int start = pos;
      while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
      try {
        return Double.valueOf(s.substring(start, pos));
      } catch (NumberFormatException e) {
        pos = start;
        throw error("expected a value");
      }
    }
  }
}
