package io.myelin.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * The machine's limit for one training epoch of an MLP (Linear + ReLU layers, Adam) on the CPU,
 * from two measurements made here, on this machine, now: the float32 FMA peak ({@link FmaPeak}'s
 * loop, run on every thread at once) and the copy bandwidth (System.arraycopy of an array the size
 * of the optimizer's state, every thread at once). bench/scripts/fashion_limit.sh divides it by a
 * measured steady epoch.
 *
 * <p>The model of an epoch (issue 18): its GEMM arithmetic at the FMA peak, plus its optimizer's
 * memory traffic at the copy bandwidth; everything else (activations, bias adds, the loss, the
 * data) is left out, so the limit is a lower bound on the time of an epoch.
 *
 * <ul>
 *   <li>GEMM FLOP per sample: forward {@code 2 sum(in * out)} over the layers, weight gradients the
 *       same again, input gradients {@code 2 sum(in * out)} over every layer but the first (the
 *       data need no gradient). Times the samples of an epoch.
 *   <li>Optimizer bytes per step: Adam reads parameter, gradient, both moments and writes parameter
 *       and both moments (7 float32 per parameter), and the backward writes the gradient once (1
 *       more): 32 bytes per parameter. Times the steps of an epoch (samples / batch, rounded up).
 * </ul>
 *
 * <p>Usage: {@code MlpEpochLimit --model 784-512-256-10 --batch 128 --samples 60000 --threads 2
 * [--seconds 1]}. Prints {@code key=value} lines.
 */
public final class MlpEpochLimit {
  private MlpEpochLimit() {}

  public static void main(String[] args) throws Exception {
    String model = "784-512-256-10";
    int batch = 128;
    int samples = 60000;
    int threads = Runtime.getRuntime().availableProcessors();
    double seconds = 1;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--model" -> model = args[i + 1];
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--samples" -> samples = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    String[] parts = model.split("-");
    long forward = 0;
    long inputGrads = 0;
    long parameters = 0;
    for (int l = 0; l + 1 < parts.length; l++) {
      long in = Long.parseLong(parts[l]);
      long out = Long.parseLong(parts[l + 1]);
      forward += in * out;
      if (l > 0) {
        inputGrads += in * out;
      }
      parameters += in * out + out;
    }
    double flopPerSample = 2.0 * (2 * forward + inputGrads);
    double gemmFlop = flopPerSample * samples;
    long steps = (samples + batch - 1) / batch;
    double optimizerBytes = 32.0 * parameters * steps;

    double fmaPeak = fmaPeak(threads, seconds);
    // The copy runs over the optimizer's working set split between the threads (parameter,
    // gradient and two moments: 16 bytes per parameter), as the update streams it.
    double bandwidth = copyBandwidth(threads, (int) Math.max(1 << 16, 4 * parameters), seconds);
    double gemmSeconds = gemmFlop / (fmaPeak * 1e9);
    double optimizerSeconds = optimizerBytes / (bandwidth * 1e9);
    Locale l = Locale.ROOT;
    System.out.println(
        String.format(
            l, "model=%s batch=%d samples=%d threads=%d", model, batch, samples, threads));
    System.out.println(String.format(l, "parameters=%d steps=%d", parameters, steps));
    System.out.println(String.format(l, "gemm_flop=%.4e", gemmFlop));
    System.out.println(String.format(l, "optimizer_bytes=%.4e", optimizerBytes));
    System.out.println(String.format(l, "fma_peak_gflops=%.1f", fmaPeak));
    System.out.println(String.format(l, "copy_gbytes_per_s=%.1f", bandwidth));
    System.out.println(String.format(l, "gemm_seconds=%.4f", gemmSeconds));
    System.out.println(String.format(l, "optimizer_seconds=%.4f", optimizerSeconds));
    System.out.println(String.format(l, "limit_seconds=%.4f", gemmSeconds + optimizerSeconds));
  }

  /** FmaPeak's loop on {@code threads} threads at once: the best total GFLOP/s over a few runs. */
  static double fmaPeak(int threads, double seconds) throws Exception {
    long iterations = 5_000_000;
    int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    for (int warm = 0; warm < 5; warm++) {
      FmaPeak.run(iterations); // C2 compiles the loop
    }
    double flopPerRun =
        FmaPeak.ACCUMULATORS * 2.0 * lanes * iterations * threads; // one run on every thread
    return allThreads(threads, seconds, () -> FmaPeak.run(iterations)) * flopPerRun / 1e9;
  }

  /**
   * System.arraycopy between two float arrays of {@code floats} elements split between the threads:
   * the best total (read + write) GB/s over a few runs.
   */
  static double copyBandwidth(int threads, int floats, double seconds) throws Exception {
    int each = floats / threads;
    float[][] src = new float[threads][each];
    float[][] dst = new float[threads][each];
    Runnable[] copy = new Runnable[threads];
    for (int t = 0; t < threads; t++) {
      float[] s = src[t];
      float[] d = dst[t];
      copy[t] =
          () -> {
            for (int r = 0; r < 10; r++) {
              System.arraycopy(s, 0, d, 0, each);
              s[r] = d[each - 1 - r];
            }
          };
    }
    for (int warm = 0; warm < 20; warm++) {
      copy[0].run();
    }
    double bytesPerRun = 10.0 * 2 * 4 * each * threads;
    return allThreadsEach(threads, seconds, copy) * bytesPerRun / 1e9;
  }

  private static double allThreads(int threads, double seconds, Runnable body) throws Exception {
    Runnable[] bodies = new Runnable[threads];
    java.util.Arrays.fill(bodies, body);
    return allThreadsEach(threads, seconds, bodies);
  }

  /**
   * Runs {@code bodies[t]} on thread t, all threads released together by a barrier, repeatedly for
   * about {@code seconds}; returns the best rate, in rounds (each thread one run) per second. A
   * round lasts from the first thread's start to the last thread's end, as the threads themselves
   * read the clock (the main thread may be descheduled on a loaded machine).
   */
  private static double allThreadsEach(int threads, double seconds, Runnable[] bodies)
      throws Exception {
    double best = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end || best == 0) {
      CyclicBarrier start = new CyclicBarrier(threads);
      long[] from = new long[threads];
      long[] to = new long[threads];
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Runnable b = bodies[t];
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  try {
                    start.await();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  from[id] = System.nanoTime();
                  b.run();
                  to[id] = System.nanoTime();
                });
        th.start();
        ts.add(th);
      }
      for (Thread th : ts) {
        th.join();
      }
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (int t = 0; t < threads; t++) {
        first = Math.min(first, from[t]);
        last = Math.max(last, to[t]);
      }
      best = Math.max(best, 1e9 / (last - first));
    }
    return best;
  }
}
