package io.myelin.data;

/**
 * Strict recognition of numbers in text fields.
 *
 * <p>{@link Double#parseDouble} alone is too lenient for data files: it accepts {@code 1f}, {@code
 * 0x1p3} and trailing {@code d}, which in a CSV are more likely typos or category codes than
 * numbers. Only plain decimal notation counts: {@code [+-]digits[.digits][e[+-]digits]}.
 */
final class CsvNumbers {
  // Hand-written scanners rather than java.util.regex: every field of a CSV goes through them,
  // and at start-up a regex match runs as interpreted code (and then costs C2 compile time that the
  // first training steps need; bench/RESULTS.md round 4). CsvNumbersTest checks both against the
  // regular expressions they implement, kept in the javadoc.

  private CsvNumbers() {}

  /**
   * Whether {@code s} is written as a decimal number (finite or not): {@code
   * [+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?}, ASCII digits only.
   */
  static boolean isDecimal(String s) {
    int n = s.length();
    int i = sign(s, 0);
    int start = i;
    i = digits(s, i);
    boolean whole = i > start;
    boolean fraction = false;
    if (i < n && s.charAt(i) == '.') {
      int f = i + 1;
      i = digits(s, f);
      fraction = i > f;
    }
    if (!whole && !fraction) {
      return false; // "", a sign alone, "." or no digits before the exponent
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      int e = sign(s, i + 1);
      i = digits(s, e);
      if (i == e) {
        return false;
      }
    }
    return i == n;
  }

  /**
   * Whether {@code s} spells NaN or an infinity: number-like, but never valid data. {@code
   * [+-]?(nan|inf|infinity)}, ASCII letters in any case.
   */
  static boolean isNonFinite(String s) {
    int i = sign(s, 0);
    return asciiIgnoringCase(s, i, "nan")
        || asciiIgnoringCase(s, i, "inf")
        || asciiIgnoringCase(s, i, "infinity");
  }

  /** The index after an optional '+' or '-' at {@code i}. */
  private static int sign(String s, int i) {
    return i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-') ? i + 1 : i;
  }

  /** The index after the ASCII digits starting at {@code i}. */
  private static int digits(String s, int i) {
    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  /**
   * Whether {@code s} from {@code i} to its end is {@code lower} with ASCII letters in any case.
   */
  private static boolean asciiIgnoringCase(String s, int i, String lower) {
    if (s.length() - i != lower.length()) {
      return false;
    }
    for (int j = 0; j < lower.length(); j++) {
      char c = s.charAt(i + j);
      char want = lower.charAt(j);
      if (c != want && c != (char) (want - 'a' + 'A')) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} looks like a number of any kind: used to detect headers and column kinds. */
  static boolean isNumberLike(String s) {
    return isDecimal(s) || isNonFinite(s);
  }

  /**
   * The value of a decimal field as float, or null with {@code why[0]} set when it is not a finite
   * float32.
   */
  static Double parseFinite(String s, String[] why) {
    if (!isDecimal(s)) {
      why[0] = isNonFinite(s) ? "expected a finite number" : "expected a number";
      return null;
    }
    double v = Double.parseDouble(s);
    if (Double.isInfinite(v) || Math.abs(v) > Float.MAX_VALUE) {
      why[0] = "number outside the float32 range (|x| <= 3.4e38)";
      return null;
    }
    return v;
  }
}
