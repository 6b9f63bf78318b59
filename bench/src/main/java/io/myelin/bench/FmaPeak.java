package io.myelin.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's float32 FMA peak on one thread through the Vector API: independent accumulators
 * enough to cover FMA latency times issue width, no memory traffic. 24 where vectors have 16 lanes
 * (AVX-512's 32 registers), 10 where they have fewer (AVX2's 16 registers: with 24 there C2 spilled
 * them to the stack and the loop measured half the peak, 48 against 96 GFLOP/s on a Zen 3 core).
 * The SGEMM figures in bench/RESULTS.md are read against it. Usage: {@code FmaPeak [seconds]}.
 */
public final class FmaPeak {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private FmaPeak() {}

  /** Independent FMAs per loop step: see the class comment. */
  static final int ACCUMULATORS = S.length() >= 16 ? 24 : 10;

  /**
   * Runs {@code iterations} steps of {@link #ACCUMULATORS} FMAs and returns a value that depends on
   * all of them.
   */
  static float run(long iterations) {
    return ACCUMULATORS == 24 ? run24(iterations) : run10(iterations);
  }

  private static float run10(long iterations) {
    FloatVector a = FloatVector.broadcast(S, 1.0000001f);
    FloatVector b = FloatVector.broadcast(S, 0.9999999f);
    FloatVector c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b;
    for (long i = 0; i < iterations; i++) {
      c0 = c0.fma(a, b);
      c1 = c1.fma(a, b);
      c2 = c2.fma(a, b);
      c3 = c3.fma(a, b);
      c4 = c4.fma(a, b);
      c5 = c5.fma(a, b);
      c6 = c6.fma(a, b);
      c7 = c7.fma(a, b);
      c8 = c8.fma(a, b);
      c9 = c9.fma(a, b);
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).lane(0);
  }

  private static float run24(long iterations) {
    FloatVector a = FloatVector.broadcast(S, 1.0000001f);
    FloatVector b = FloatVector.broadcast(S, 0.9999999f);
    FloatVector c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b;
    FloatVector c8 = b, c9 = b, c10 = b, c11 = b, c12 = b, c13 = b, c14 = b, c15 = b;
    FloatVector c16 = b, c17 = b, c18 = b, c19 = b, c20 = b, c21 = b, c22 = b, c23 = b;
    for (long i = 0; i < iterations; i++) {
      c0 = c0.fma(a, b);
      c1 = c1.fma(a, b);
      c2 = c2.fma(a, b);
      c3 = c3.fma(a, b);
      c4 = c4.fma(a, b);
      c5 = c5.fma(a, b);
      c6 = c6.fma(a, b);
      c7 = c7.fma(a, b);
      c8 = c8.fma(a, b);
      c9 = c9.fma(a, b);
      c10 = c10.fma(a, b);
      c11 = c11.fma(a, b);
      c12 = c12.fma(a, b);
      c13 = c13.fma(a, b);
      c14 = c14.fma(a, b);
      c15 = c15.fma(a, b);
      c16 = c16.fma(a, b);
      c17 = c17.fma(a, b);
      c18 = c18.fma(a, b);
      c19 = c19.fma(a, b);
      c20 = c20.fma(a, b);
      c21 = c21.fma(a, b);
      c22 = c22.fma(a, b);
      c23 = c23.fma(a, b);
    }
    FloatVector s =
        c0.add(c1)
            .add(c2)
            .add(c3)
            .add(c4)
            .add(c5)
            .add(c6)
            .add(c7)
            .add(c8)
            .add(c9)
            .add(c10)
            .add(c11)
            .add(c12)
            .add(c13)
            .add(c14)
            .add(c15)
            .add(c16)
            .add(c17)
            .add(c18)
            .add(c19)
            .add(c20)
            .add(c21)
            .add(c22)
            .add(c23);
    return s.lane(0);
  }

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1;
    long iterations = 10_000_000;
    float sink = 0;
    for (int warm = 0; warm < 5; warm++) {
      sink += run(iterations); // C2 compiles the loop
    }
    double best = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      sink += run(iterations);
      double gflops = ACCUMULATORS * 2.0 * S.length() * iterations / (System.nanoTime() - t0);
      best = Math.max(best, gflops);
    }
    System.out.printf(
        "float32 FMA peak, one thread: %.1f GFLOP/s (%d lanes; best of %.1f s)%s%n",
        best, S.length(), seconds, sink == 42 ? "!" : "");
  }
}
