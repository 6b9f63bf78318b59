package io.myelin.io.internal;

import java.util.List;
import java.util.Map;

/**
 * Writes the values {@link Json} reads, compactly (file headers) or indented (files people read),
 * as UTF-8-ready text. Refuses what JSON cannot hold (NaN, infinities, lone surrogates) instead of
 * writing something no strict reader accepts. Stateless and thread-safe.
 */
public final class JsonWriter {
  private JsonWriter() {}

  /**
   * Writes {@code value} compactly: Map (String keys), List, String, Boolean, {@link Json#NULL} or
   * null, finite numbers, and {@code double[]}, {@code float[]}, {@code int[]}, {@code long[]} (as
   * arrays). Integral types are written as integers, floating ones with {@link Double#toString}
   * (always a '.' or an exponent, so they read back as Double, bit for bit).
   *
   * @throws IllegalArgumentException for NaN, infinities or other types
   */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0, false);
    return sb.toString();
  }

  /**
   * Writes {@code value} as {@link #write} does, but with each object entry on its own line,
   * indented by two spaces per level (arrays stay on one line), and a final newline: the form of
   * the files a user opens ({@code --summary}, the command line's model file).
   */
  public static String writeIndented(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 0, true);
    return sb.append('\n').toString();
  }

  private static void write(StringBuilder sb, Object v, int depth, boolean indent) {
    if (depth > Json.MAX_DEPTH) {
      throw new IllegalArgumentException("JSON value nested deeper than " + Json.MAX_DEPTH);
    }
    switch (v) {
      case null -> sb.append("null");
      case String s -> quote(sb, s);
      case Boolean b -> sb.append(b);
      case Long l -> sb.append(l);
      case Integer i -> sb.append(i);
      case Short s -> sb.append(s);
      case Byte b -> sb.append(b);
      case Double d -> sb.append(finite(d));
      case Float f -> sb.append(finite(f.doubleValue()));
      case Map<?, ?> m -> {
        sb.append('{');
        boolean first = true;
        for (var e : m.entrySet()) {
          if (!(e.getKey() instanceof String key)) {
            throw new IllegalArgumentException(
                "JSON object keys must be strings, got " + e.getKey());
          }
          if (!first) {
            sb.append(',');
          }
          first = false;
          if (indent) {
            sb.append('\n').append("  ".repeat(depth + 1));
          }
          quote(sb, key);
          sb.append(indent ? ": " : ":");
          write(sb, e.getValue(), depth + 1, indent);
        }
        if (indent && !m.isEmpty()) {
          sb.append('\n').append("  ".repeat(depth));
        }
        sb.append('}');
      }
      case List<?> list -> {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) {
            sb.append(indent ? ", " : ",");
          }
          write(sb, list.get(i), depth + 1, indent);
        }
        sb.append(']');
      }
      case double[] a -> write(sb, java.util.Arrays.stream(a).boxed().toList(), depth, indent);
      case float[] a -> {
        Double[] boxed = new Double[a.length];
        for (int i = 0; i < a.length; i++) {
          boxed[i] = (double) a[i];
        }
        write(sb, List.of(boxed), depth, indent);
      }
      case int[] a -> write(sb, java.util.Arrays.stream(a).boxed().toList(), depth, indent);
      case long[] a -> write(sb, java.util.Arrays.stream(a).boxed().toList(), depth, indent);
      default -> {
        if (v == Json.NULL) {
          sb.append("null");
        } else {
          throw new IllegalArgumentException(
              "cannot write a " + v.getClass().getName() + " as JSON: " + v);
        }
      }
    }
  }

  private static String finite(double d) {
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException("JSON has no " + d + " (only finite numbers)");
    }
    return Double.toString(d);
  }

  /** Appends {@code s} as a JSON string; non-ASCII stays literal (the output is UTF-8). */
  public static void quote(StringBuilder sb, String s) {
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
          } else if (Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            sb.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            // A lone surrogate has no UTF-8 encoding: refuse rather than write a lossy '?'.
            throw new IllegalArgumentException(
                "string has a lone surrogate at index " + i + ": " + s.substring(0, i) + "...");
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
