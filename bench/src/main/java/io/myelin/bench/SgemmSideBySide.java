package io.myelin.bench;

import io.myelin.cpu.CpuBackend;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * Myelin's SGEMM next to ND4J's ({@code Nd4j.gemm}, OpenBLAS) in one JVM, interleaved: each round
 * times a slice of Myelin calls then a slice of ND4J calls on the same shape and thread count, so
 * both see the same machine load; the table shows the medians over the rounds, their ratio, the
 * largest difference between the two results, and the heap bytes one Myelin call allocates on the
 * calling thread.
 *
 * <p>Usage: {@code SgemmSideBySide [--shapes 256,1024,128x784x512:nt] [--threads 1,2] [--rounds 9]
 * [--slice-ms 150] [--warmup-ms 1500]}. See bench/scripts/sgemm.sh.
 */
public final class SgemmSideBySide {
  private SgemmSideBySide() {}

  public static void main(String[] args) {
    String shapes = GemmShape.DEFAULTS;
    String threadList = "1,2";
    int rounds = 9;
    long sliceMs = 150;
    long warmupMs = 1500;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--shapes" -> shapes = args[++i];
        case "--threads" -> threadList = args[++i];
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--slice-ms" -> sliceMs = Long.parseLong(args[++i]);
        case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "# ND4J BLAS vendor %s; %d rounds of %d ms slices; medians%n",
        Nd4jThreads.vendor(),
        rounds,
        sliceMs);
    System.out.printf(
        Locale.ROOT,
        "%-18s %3s %10s %10s %7s %9s %8s%n",
        "shape(MxKxN)",
        "thr",
        "myelin",
        "nd4j",
        "ratio",
        "rel.diff",
        "B/call");
    for (String t : threadList.split(",")) {
      int threads = Integer.parseInt(t.trim());
      Nd4jThreads.set(threads);
      try (CpuBackend backend = new CpuBackend(threads)) {
        for (GemmShape s : GemmShape.parseList(shapes)) {
          try (GemmProblem p = new GemmProblem(backend, s, 42)) {
            double diff = p.relativeDifference();
            long until = System.nanoTime() + warmupMs * 1_000_000;
            while (System.nanoTime() < until) {
              slice(p::myelin, 50);
              slice(p::nd4j, 50);
            }
            double[] mine = new double[rounds];
            double[] theirs = new double[rounds];
            for (int r = 0; r < rounds; r++) {
              // Alternate which goes first so neither always follows the other's cache state.
              if (r % 2 == 0) {
                mine[r] = s.flops() / slice(p::myelin, sliceMs);
                theirs[r] = s.flops() / slice(p::nd4j, sliceMs);
              } else {
                theirs[r] = s.flops() / slice(p::nd4j, sliceMs);
                mine[r] = s.flops() / slice(p::myelin, sliceMs);
              }
            }
            double bytes = allocatedPerCall(p::myelin);
            double gm = median(mine);
            double gn = median(theirs);
            System.out.printf(
                Locale.ROOT,
                "%-18s %3d %10.1f %10.1f %7.2f %9.1e %8.0f%n",
                label(s),
                threads,
                gm,
                gn,
                gm / gn,
                diff,
                bytes);
          }
        }
      }
    }
  }

  private static String label(GemmShape s) {
    String t =
        s.transA() || s.transB() ? ":" + (s.transA() ? "t" : "n") + (s.transB() ? "t" : "n") : "";
    return s.m() + "x" + s.k() + "x" + s.n() + t;
  }

  /** Heap bytes the calling thread allocates per call of {@code op} (pool workers not counted). */
  private static double allocatedPerCall(Runnable op) {
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    int calls = 20;
    long before = mx.getThreadAllocatedBytes(id);
    for (int i = 0; i < calls; i++) {
      op.run();
    }
    return (double) (mx.getThreadAllocatedBytes(id) - before) / calls;
  }

  /** Runs {@code op} for about {@code ms} milliseconds; returns nanoseconds per call. */
  private static double slice(Runnable op, long ms) {
    long budget = ms * 1_000_000;
    long start = System.nanoTime();
    long calls = 0;
    long now;
    do {
      op.run();
      calls++;
      now = System.nanoTime();
    } while (now - start < budget);
    return (double) (now - start) / calls;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
