package io.myelin.cpu;

import io.myelin.backend.GemmOperand;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * The small-SGEMM paths of the CPU backend side by side: {@link SgemmScalar} (scalar loops) and the
 * packed Vector API path, on the eight products of one Pima training step (8-20-20-2 MLP, full
 * batch of 614: forward x W^T, backward dX = G W and dW = G^T X), one thread. Prints, per round and
 * path, the thread CPU time per call of each shape (CPU time, not wall: the machine is shared)
 * after the JIT has compiled both. In package io.myelin.cpu to reach the package-private entry.
 *
 * <pre>
 * mvn -B -o -q -Pbench -pl bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *   io.myelin.cpu.SmallGemmPaths 6 [scalar]
 * </pre>
 */
public final class SmallGemmPaths {
  private SmallGemmPaths() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    // "scalar": the scalar path only (under -XX:TieredStopAtLevel=1 the vector path's Java
    // fallbacks allocate so much that they disturb the scalar path's timings)
    boolean[] paths =
        args.length > 1 && args[1].equals("scalar")
            ? new boolean[] {true}
            : new boolean[] {true, false};
    // m, n, k, A transposed, B transposed
    int[][] shapes = {
      {614, 20, 8, 0, 1}, {614, 20, 20, 0, 1}, {614, 2, 20, 0, 1}, {614, 20, 2, 0, 0},
      {614, 8, 20, 0, 0}, {20, 8, 614, 1, 0}, {20, 20, 614, 1, 0}, {2, 20, 614, 1, 0}
    };
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Random r = new Random(1);
    float[] a = new float[20000];
    float[] b = new float[20000];
    float[] c = new float[20000];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextFloat();
      b[i] = r.nextFloat();
    }
    try (CpuThreads th = new CpuThreads(1)) {
      SgemmScratch.Pool pool = new SgemmScratch.Pool();
      for (int round = 0; round < rounds; round++) {
        for (boolean scalar : paths) {
          StringBuilder sb = new StringBuilder();
          long total = 0;
          for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            boolean ta = s[3] == 1;
            boolean tb = s[4] == 1;
            GemmOperand ao = new GemmOperand(null, 0, ta ? m : k, 0, ta);
            GemmOperand bo = new GemmOperand(null, 0, tb ? k : n, 0, tb);
            GemmOperand co = new GemmOperand(null, 0, n, 0, false);
            int reps = 2000;
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
              Sgemm.gemm(th, pool, 1, m, n, k, 1f, a, ao, b, bo, 0f, c, co, scalar);
            }
            long dt = (mx.getCurrentThreadCpuTime() - t0) / reps;
            total += dt;
            sb.append(
                String.format(
                    " %dx%dx%d%s%s %.1f", m, k, n, ta ? "t" : "n", tb ? "t" : "n", dt / 1e3));
          }
          System.out.printf(
              "round %d %-6s all %.1f us |%s%n",
              round, scalar ? "scalar" : "vector", total / 1e3, sb);
        }
      }
    }
  }
}
