package io.myelin.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One SGEMM problem of the benchmarks: {@code C[m x n] = op(A)[m x k] op(B)[k x n]}, named as on
 * the command line ({@code 1024}, {@code 128x784x512}, {@code 256x784x512:nt}).
 *
 * <p>The default set is the issue's: squares of 256 to 2048 and the layers of the MNIST-shape MLP
 * 784-512-256-10 at batch 128 and 256 (forward products, A and B row-major).
 */
record GemmShape(String name, int m, int n, int k, boolean transA, boolean transB) {
  static final String DEFAULTS =
      "256,512,1024,2048,"
          + "128x784x512,128x512x256,128x256x10,256x784x512,256x512x256,256x256x10";

  /** Multiply-adds counted as two flops. */
  double flops() {
    return 2.0 * m * n * k;
  }

  /** Parses {@code N}, {@code MxKxN} or either followed by {@code :nn|nt|tn|tt}. */
  static GemmShape parse(String spec) {
    String s = spec.trim();
    boolean ta = false;
    boolean tb = false;
    int colon = s.indexOf(':');
    if (colon >= 0) {
      String t = s.substring(colon + 1);
      if (!t.matches("[nt][nt]")) {
        throw new IllegalArgumentException("transpose suffix must be nn, nt, tn or tt: " + spec);
      }
      ta = t.charAt(0) == 't';
      tb = t.charAt(1) == 't';
      s = s.substring(0, colon);
    }
    String[] p = s.split("x");
    if (p.length == 1) {
      int n = Integer.parseInt(p[0]);
      return new GemmShape(spec.trim(), n, n, n, ta, tb);
    }
    if (p.length == 3) {
      return new GemmShape(
          spec.trim(),
          Integer.parseInt(p[0]),
          Integer.parseInt(p[2]),
          Integer.parseInt(p[1]),
          ta,
          tb);
    }
    throw new IllegalArgumentException("shape must be N or MxKxN: " + spec);
  }

  static List<GemmShape> parseList(String specs) {
    List<GemmShape> out = new ArrayList<>();
    for (String s : specs.split(",")) {
      if (!s.isBlank()) {
        out.add(parse(s));
      }
    }
    return out;
  }
}
