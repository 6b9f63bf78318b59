package io.myelin.data;

import java.util.regex.Pattern;

/**
 * Strict recognition of numbers in text fields.
 *
 * <p>{@link Double#parseDouble} alone is too lenient for data files: it accepts {@code 1f}, {@code
 * 0x1p3} and trailing {@code d}, which in a CSV are more likely typos or category codes than
 * numbers. Only plain decimal notation counts: {@code [+-]digits[.digits][e[+-]digits]}.
 */
final class CsvNumbers {
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern NON_FINITE =
      Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

  private CsvNumbers() {}

  /** Whether {@code s} is written as a decimal number (finite or not). */
  static boolean isDecimal(String s) {
    return DECIMAL.matcher(s).matches();
  }

  /** Whether {@code s} spells NaN or an infinity: number-like, but never valid data. */
  static boolean isNonFinite(String s) {
    return NON_FINITE.matcher(s).matches();
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
