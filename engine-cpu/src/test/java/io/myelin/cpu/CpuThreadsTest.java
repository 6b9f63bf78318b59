package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The thread pool: every index is visited once, failures surface, nested calls stay inline, and the
 * split never changes a result: 1, 2 and 5 threads give the same bits for every op family on inputs
 * large enough to be split.
 */
class CpuThreadsTest {
  private static final CpuBackend ONE = new CpuBackend(1);
  private static final CpuBackend TWO = new CpuBackend(2);
  private static final CpuBackend FIVE = new CpuBackend(5);

  @AfterAll
  static void close() {
    ONE.close();
    TWO.close();
    FIVE.close();
  }

  @Test
  void parallelForVisitsEachIndexOnceOnSeveralThreads() {
    try (CpuThreads pool = new CpuThreads(4)) {
      int n = 10_007;
      AtomicIntegerArray seen = new AtomicIntegerArray(n);
      ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
      pool.parallelFor(
          n,
          1_000_000,
          (from, to) -> {
            threads.put(Thread.currentThread(), true);
            for (int i = from; i < to; i++) {
              seen.incrementAndGet(i);
            }
            // Hold each piece until a second thread has joined in (bounded), so the check below
            // does
            // not depend on how fast a loaded machine schedules the workers.
            long until = System.nanoTime() + 10_000_000_000L;
            while (threads.size() < 2 && System.nanoTime() < until) {
              Thread.onSpinWait();
            }
          });
      for (int i = 0; i < n; i++) {
        assertEquals(1, seen.get(i), "index " + i);
      }
      assertTrue(threads.size() > 1, "work was split");
    }
  }

  /**
   * Workers poll for a while after a split, then park: splits back to back, after the workers have
   * parked, and from several calling threads at once (one of which gets the workers, the others run
   * inline) each visit every index once.
   */
  @Test
  void splitsAfterParkingAndFromConcurrentCallersVisitEachIndexOnce() throws Exception {
    try (CpuThreads pool = new CpuThreads(3)) {
      int n = 1_000;
      for (int round = 0; round < 6; round++) {
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        pool.parallelFor(
            n,
            1_000_000,
            (from, to) -> {
              for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
              }
            });
        for (int i = 0; i < n; i++) {
          assertEquals(1, seen.get(i), "round " + round + ", index " + i);
        }
        if (round % 2 == 1) {
          Thread.sleep(2 + CpuThreads.SPIN_NANOS / 1_000_000); // let the workers park
        }
      }
      AtomicIntegerArray seen = new AtomicIntegerArray(4 * n);
      Thread[] callers = new Thread[4];
      for (int t = 0; t < callers.length; t++) {
        int base = t * n;
        callers[t] =
            new Thread(
                () -> {
                  for (int rep = 0; rep < 50; rep++) {
                    pool.parallelFor(
                        n,
                        100_000,
                        (from, to) -> {
                          for (int i = from; i < to; i++) {
                            seen.incrementAndGet(base + i);
                          }
                        });
                  }
                });
        callers[t].start();
      }
      for (Thread t : callers) {
        t.join();
      }
      for (int i = 0; i < 4 * n; i++) {
        assertEquals(50, seen.get(i), "index " + i);
      }
    }
  }

  @Test
  void smallWorkAndNestedCallsStayOnTheCallingThread() {
    try (CpuThreads pool = new CpuThreads(4)) {
      Thread caller = Thread.currentThread();
      pool.parallelFor(
          100,
          1,
          (from, to) -> {
            assertSame(caller, Thread.currentThread());
            assertEquals(0, from);
            assertEquals(100, to);
          });
      ConcurrentHashMap<String, Boolean> nestedInline = new ConcurrentHashMap<>();
      pool.parallelFor(
          8,
          1_000_000,
          (from, to) -> {
            Thread outer = Thread.currentThread();
            pool.parallelFor(
                8,
                1_000_000,
                (f, t) -> nestedInline.put(outer.getName() + f, outer == Thread.currentThread()));
          });
      assertTrue(nestedInline.values().stream().allMatch(b -> b), nestedInline::toString);
    }
  }

  @Test
  void failuresInWorkersReachTheCaller() {
    try (CpuThreads pool = new CpuThreads(3)) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  pool.parallelFor(
                      64,
                      1_000_000,
                      (from, to) -> {
                        if (from <= 40 && 40 < to) {
                          throw new IllegalStateException("piece with 40");
                        }
                      }));
      assertEquals("piece with 40", e.getMessage());
    }
  }

  /** Runs {@code op} on each backend and checks the outputs are bit-identical. */
  private static void sameBits(String what, Function<CpuBackend, float[]> op) {
    float[] one = op.apply(ONE);
    assertArrayEquals(one, op.apply(TWO), what + ": 2 threads vs 1");
    assertArrayEquals(one, op.apply(FIVE), what + ": 5 threads vs 1");
  }

  private static Storage upload(CpuBackend b, float[] v) {
    Storage s = b.allocate(DType.FLOAT32, v.length);
    b.copyFromHost(v, 0, s, 0, v.length);
    return s;
  }

  private static float[] take(CpuBackend b, Storage s) {
    float[] v = new float[s.length()];
    b.copyToHost(s, 0, v, 0, v.length);
    s.release();
    return v;
  }

  private static float[] randoms(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 4 - 2);
    }
    return v;
  }

  @Test
  void everyOpFamilyGivesTheSameBitsOnAnyThreadCount() {
    float[] a = randoms(1, 300 * 280);
    float[] b = randoms(2, 280 * 310);
    float[] x = randoms(3, 400_006);
    sameBits(
        "gemm",
        be -> {
          Storage sa = upload(be, a);
          Storage sb = upload(be, b);
          Storage c = be.allocate(DType.FLOAT32, 300 * 310);
          be.gemm(
              1,
              300,
              310,
              280,
              1.5,
              GemmOperand.of(sa, 0, 280),
              new GemmOperand(sb, 0, 280, 0, true),
              0,
              GemmOperand.of(c, 0, 310));
          sa.release();
          sb.release();
          return take(be, c);
        });
    for (int[] s : new int[][] {{1, 400_003, 1}, {1000, 400, 1}, {7, 401, 142}}) {
      sameBits(
          "sum " + s[0] + "x" + s[1] + "x" + s[2],
          be -> {
            Storage sx = upload(be, x);
            Storage out = be.allocate(DType.FLOAT32, s[0] * s[2]);
            be.reduce(ReduceOp.SUM, sx, 3, s[0], s[1], s[2], out, 0);
            sx.release();
            return take(be, out);
          });
    }
    sameBits(
        "softmax",
        be -> {
          Storage sx = upload(be, x);
          Storage y = be.allocate(DType.FLOAT32, 400_000);
          be.softmax(true, sx, 0, 400, 1000, y, 0);
          sx.release();
          return take(be, y);
        });
    sameBits(
        "broadcast binary + gelu",
        be -> {
          Storage sx = upload(be, x);
          Storage y = be.allocate(DType.FLOAT32, 400_000);
          be.binary(
              BinaryOp.ADD,
              sx,
              Layout.contiguous(400, 1000),
              sx,
              new Layout(new int[] {400, 1000}, new int[] {0, 1}, 7),
              y,
              Layout.contiguous(400, 1000));
          be.unary(
              UnaryOp.GELU, 0, 0, y, Layout.contiguous(400_000), y, Layout.contiguous(400_000));
          sx.release();
          return take(be, y);
        });
    sameBits(
        "normal",
        be -> {
          Storage y = be.allocate(DType.FLOAT32, 100_003);
          be.randomNormal(y, 0, 100_003, 9, 0, 0, 1);
          return take(be, y);
        });
  }
}
