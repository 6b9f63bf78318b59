package io.myelin.cuda;

import java.util.Locale;

/** Human-readable byte counts for messages and reports. */
final class MemoryText {
  private MemoryText() {}

  /** {@code 512 B}, {@code 1.5 KiB}, {@code 2.0 MiB}, {@code 79.6 GiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
