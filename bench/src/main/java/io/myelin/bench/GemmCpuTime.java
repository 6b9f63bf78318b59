package io.myelin.bench;

import io.myelin.cpu.CpuBackend;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * One-thread Myelin SGEMM timed in CPU time of the calling thread (ThreadMXBean), not wall time: on
 * a machine shared with many busy processes, wall time measures the scheduler, while the thread's
 * own CPU time still measures the work (cache pollution from neighbours remains). For comparing two
 * builds of engine-cpu, or two shapes of the same size (a convolution's forward GEMM against its
 * transposed-operand dW GEMM), run after run.
 *
 * <p>Usage: {@code GemmCpuTime [--shapes 64x288x15488,64x15488x288:nt] [--calls 40] [--warmup 20]};
 * prints per shape the median and p10 CPU milliseconds per call and GFLOP/s at the median.
 */
public final class GemmCpuTime {
  private GemmCpuTime() {}

  public static void main(String[] args) {
    String shapes = "64x288x15488,64x15488x288:nt";
    int calls = 40;
    int warmup = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--shapes" -> shapes = args[++i];
        case "--calls" -> calls = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    System.out.printf(
        Locale.ROOT, "%-18s %10s %10s %8s%n", "shape(MxKxN)", "cpu ms", "p10 ms", "GFLOP/s");
    try (CpuBackend backend = new CpuBackend(1)) {
      for (GemmShape s : GemmShape.parseList(shapes)) {
        try (GemmProblem p = new GemmProblem(backend, s, 42)) {
          for (int i = 0; i < warmup; i++) {
            p.myelin();
          }
          double[] ms = new double[calls];
          for (int i = 0; i < calls; i++) {
            long t0 = mx.getCurrentThreadCpuTime();
            p.myelin();
            ms[i] = (mx.getCurrentThreadCpuTime() - t0) / 1e6;
          }
          Arrays.sort(ms);
          double median = ms[calls / 2];
          System.out.printf(
              Locale.ROOT,
              "%-18s %10.2f %10.2f %8.1f%n",
              s.name(),
              median,
              ms[calls / 10],
              s.flops() / median / 1e6);
        }
      }
    }
  }
}
