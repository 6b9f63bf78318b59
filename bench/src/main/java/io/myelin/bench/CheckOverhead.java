package io.myelin.bench;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.Backend;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.CheckedBackend;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import io.myelin.cpu.CpuBackend;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What the argument checks cost: the same small primitive calls through the raw CPU backend and
 * through its {@link CheckedBackend} view (what every caller gets), interleaved in one JVM. Each
 * round times a slice of raw calls then a slice of checked calls (order alternating by round); the
 * table shows the medians of the per-call CPU times over the rounds, their difference and ratio.
 * Small calls, because the checks cost the same for any size: the difference is the checks' price,
 * and its share is largest here. A second table runs the same calls on a {@link NoopBackend}
 * (primitives that do nothing), raw and checked: its difference is the checks alone, without the
 * kernels' time and noise.
 *
 * <p>Usage: {@code CheckOverhead [--rounds 15] [--slice-ms 100] [--warmup-ms 2000]}, single thread.
 */
public final class CheckOverhead {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private CheckOverhead() {}

  private record Case(String name, Consumer<Backend> call) {}

  public static void main(String[] args) {
    int rounds = 15;
    long sliceMs = 100;
    long warmupMs = 2000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--slice-ms" -> sliceMs = Long.parseLong(args[++i]);
        case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    CpuBackend cpu = new CpuBackend(1);
    System.out.printf(
        Locale.ROOT,
        "# %s; %d rounds of %d ms slices per path; medians of thread CPU ns/call%n",
        cpu.description(),
        rounds,
        sliceMs);
    table(cpu, rounds, sliceMs, warmupMs);
    cpu.close();
    System.out.println("# the same calls on a backend that does nothing: the checks alone");
    table(new NoopBackend(), rounds, sliceMs, warmupMs);
  }

  private static void table(Backend raw, int rounds, long sliceMs, long warmupMs) {
    Backend checked = CheckedBackend.of(raw);
    Storage x = filled(raw, 4096, 0.5f);
    Storage y = filled(raw, 4096, -0.25f);
    Storage out = filled(raw, 4096, 0);
    Layout v64 = Layout.contiguous(64);
    Layout m8x8 = Layout.contiguous(8, 8);
    Layout row = new Layout(new int[] {8, 8}, new int[] {0, 1}, 0);
    Case[] cases = {
      new Case("unary RELU, 64 elements", b -> b.unary(UnaryOp.RELU, 0, 0, x, v64, out, v64)),
      new Case("binary ADD 8x8 + row", b -> b.binary(BinaryOp.ADD, x, m8x8, y, row, out, m8x8)),
      new Case(
          "unaryBackward TANH, 64",
          b -> b.unaryBackward(UnaryOp.TANH, 0, 0, x, 0, y, 0, y, 64, out, 0, 64)),
      new Case(
          "gemm 8x8x8",
          b ->
              b.gemm(
                  1,
                  8,
                  8,
                  8,
                  1,
                  GemmOperand.of(x, 0, 8),
                  GemmOperand.of(y, 0, 8),
                  0,
                  GemmOperand.of(out, 0, 8))),
      new Case(
          "gemm 32x32x32",
          b ->
              b.gemm(
                  1,
                  32,
                  32,
                  32,
                  1,
                  GemmOperand.of(x, 0, 32),
                  GemmOperand.of(y, 0, 32),
                  0,
                  GemmOperand.of(out, 0, 32))),
    };
    System.out.printf(
        Locale.ROOT, "%-26s %10s %10s %9s %7s%n", "call", "raw", "checked", "checks", "ratio");
    for (Case c : cases) {
      timeSlice(raw, c, warmupMs);
      timeSlice(checked, c, warmupMs);
      double[] r = new double[rounds];
      double[] k = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        if (i % 2 == 0) {
          r[i] = timeSlice(raw, c, sliceMs);
          k[i] = timeSlice(checked, c, sliceMs);
        } else {
          k[i] = timeSlice(checked, c, sliceMs);
          r[i] = timeSlice(raw, c, sliceMs);
        }
      }
      double mr = median(r);
      double mk = median(k);
      System.out.printf(
          Locale.ROOT, "%-26s %10.1f %10.1f %+9.1f %7.3f%n", c.name(), mr, mk, mk - mr, mk / mr);
    }
  }

  /**
   * Calls for about {@code ms} milliseconds of wall time; returns this thread's CPU nanoseconds per
   * call (CPU time, not wall time: on a shared machine the thread is descheduled for long
   * stretches, which wall time would charge to whichever path was running).
   */
  private static double timeSlice(Backend b, Case c, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000;
    long calls = 0;
    long start = CPU.getCurrentThreadCpuTime();
    do {
      for (int i = 0; i < 256; i++) {
        c.call().accept(b);
      }
      calls += 256;
    } while (System.nanoTime() < deadline);
    return (double) (CPU.getCurrentThreadCpuTime() - start) / calls;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static Storage filled(Backend b, int n, float value) {
    Storage s = b.allocate(DType.FLOAT32, n);
    float[] host = new float[n];
    Arrays.fill(host, value);
    b.copyFromHost(host, 0, s, 0, n);
    return s;
  }
}
