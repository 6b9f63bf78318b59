package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.backend.Backend;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.CapturedGraph;
import io.myelin.backend.CheckedBackend;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * CUDA graphs on cuda:0: a captured step replays bit for bit like the same calls run eagerly,
 * reading the step scalars written before each replay; host reads inside a capture are refused and
 * leave the backend usable; other threads wait for the capture to end; memory and uploads of a
 * capture belong to its graph. Skipped with the probe's reason without a GPU.
 */
class CudaGraphGpuTest extends CudaGpuTest {
  private static final int M = 8;
  private static final int K = 16;
  private static final int N = 12;
  private static final OptimizerHyperparameters ADAM =
      OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0.01, true, false, false);

  /** The state a few training-like steps update: a weight, its Adam moments, a running sum. */
  private final class Run implements AutoCloseable {
    final Storage x;
    final Storage w;
    final Storage m;
    final Storage v;
    final Storage acc;
    final Storage scalars;

    Run(double[] x0, double[] w0) {
      x = upload(DType.FLOAT32, x0);
      w = upload(DType.FLOAT32, w0);
      m = upload(DType.FLOAT32, new double[K * N]);
      v = upload(DType.FLOAT32, new double[K * N]);
      acc = upload(DType.FLOAT32, new double[N]);
      scalars = b.allocate(DType.FLOAT64, OptimizerKind.SCALARS);
    }

    /** The step-dependent scalars of step t, with a decaying learning rate, into device memory. */
    void writeScalars(long t) {
      double[] block = new double[OptimizerKind.SCALARS];
      OptimizerKind.ADAM.writeScalars(ADAM.withLr(1e-2 / t), t, block, 0);
      b.copyFromHost(block, 0, scalars, 0, block.length);
    }

    /**
     * gemm + unary + gemm + reduce + binary + optimizerUpdate, with temporaries allocated and
     * released inside, as a step in a MemoryScope does.
     */
    void step() {
      Storage c = b.allocate(DType.FLOAT32, M * N);
      Storage y = b.allocate(DType.FLOAT32, M * N);
      Storage g = b.allocate(DType.FLOAT32, K * N);
      Storage s = b.allocate(DType.FLOAT32, N);
      b.gemm(
          1,
          M,
          N,
          K,
          1,
          new GemmOperand(x, 0, K, 0, false),
          new GemmOperand(w, 0, N, 0, false),
          0,
          new GemmOperand(c, 0, N, 0, false));
      b.unary(UnaryOp.TANH, 0, 0, c, contiguous(M, N), y, contiguous(M, N));
      // g = x^T y / M: the "gradient" of w
      b.gemm(
          1,
          K,
          N,
          M,
          1.0 / M,
          new GemmOperand(x, 0, K, 0, true),
          new GemmOperand(y, 0, N, 0, false),
          0,
          new GemmOperand(g, 0, N, 0, false));
      b.reduce(ReduceOp.SUM, y, 0, 1, M, N, s, 0);
      b.binary(BinaryOp.ADD, acc, contiguous(N), s, contiguous(N), acc, contiguous(N));
      b.optimizerUpdate(
          OptimizerKind.ADAM, ADAM, scalars, 0, w, 0, g, 0, new Storage[] {m, v, null}, K * N);
      c.release();
      y.release();
      g.release();
      s.release();
    }

    double[][] results() {
      return new double[][] {download(w), download(m), download(v), download(acc)};
    }

    @Override
    public void close() {
      for (Storage st : new Storage[] {x, w, m, v, acc, scalars}) {
        st.release();
      }
    }
  }

  @Test
  void aReplayedStepMatchesTheSameCallsRunEagerlyBitForBit() {
    assertTrue(b.supportsCapture());
    double[] x0 = uniform(M * K, -1, 1);
    double[] w0 = uniform(K * N, -1, 1);
    int steps = 7;
    double[][] eager;
    try (Run run = new Run(x0, w0)) {
      for (int t = 1; t <= steps; t++) {
        run.writeScalars(t);
        run.step();
      }
      eager = run.results();
    }
    try (Run run = new Run(x0, w0)) {
      b.beginCapture();
      CapturedGraph g;
      try {
        run.step();
      } finally {
        g = b.endCapture();
      }
      try (g) {
        assertArrayEquals(rounded(DType.FLOAT32, w0), download(run.w), "a capture runs nothing");
        assertTrue(g.size() >= 6, "recorded " + g.size() + " primitives");
        for (int t = 1; t <= steps; t++) {
          run.writeScalars(t); // each replay reads this step's learning rate and bias corrections
          g.replay();
        }
        double[][] replayed = run.results();
        String[] names = {"weight", "exp_avg", "exp_avg_sq", "running sum"};
        for (int i = 0; i < names.length; i++) {
          assertArrayEquals(eager[i], replayed[i], names[i] + " after " + steps + " steps");
        }
      }
    }
  }

  @Test
  void eachReplayAppliesTheScalarsWrittenBeforeIt() {
    int n = 1000;
    double[] p0 = uniform(n, -1, 1);
    double[] g0 = uniform(n, -1, 1);
    Storage p = upload(DType.FLOAT64, p0);
    Storage grad = upload(DType.FLOAT64, g0);
    Storage scalars = b.allocate(DType.FLOAT64, 3 + OptimizerKind.SCALARS);
    var h = OptimizerHyperparameters.sgd(0.1, 0, 0, false, false, false, 0, false);
    b.beginCapture();
    CapturedGraph g;
    try {
      b.optimizerUpdate(OptimizerKind.SGD, h, scalars, 3, p, 0, grad, 0, new Storage[] {null}, n);
    } finally {
      g = b.endCapture();
    }
    try (g) {
      double[] expected = p0.clone();
      for (double lr : new double[] {0.5, 0, -0.25, 2}) {
        double[] block = new double[3 + OptimizerKind.SCALARS];
        OptimizerKind.SGD.writeScalars(h.withLr(lr), 1, block, 3);
        b.copyFromHost(block, 0, scalars, 0, block.length);
        g.replay();
        for (int i = 0; i < n; i++) {
          expected[i] -= lr * g0[i];
        }
        assertClose(expected, download(p), 1e-14, "p after a replay with lr " + lr);
      }
    }
    for (Storage s : new Storage[] {p, grad, scalars}) {
      s.release();
    }
  }

  @Test
  void theScalarBlockMustBeEightDoublesOfFloat64() {
    // The checks live in the validation layer every user-facing backend goes through.
    Backend checked = CheckedBackend.of(b);
    var h = OptimizerHyperparameters.sgd(0.1, 0, 0, false, false, false, 0, false);
    Storage p = b.allocate(DType.FLOAT32, 4);
    Storage g = b.allocate(DType.FLOAT32, 4);
    Storage f32 = b.allocate(DType.FLOAT32, OptimizerKind.SCALARS);
    Storage f64 = b.allocate(DType.FLOAT64, OptimizerKind.SCALARS);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                checked.optimizerUpdate(
                    OptimizerKind.SGD, h, f32, 0, p, 0, g, 0, new Storage[] {null}, 4));
    assertTrue(e.getMessage().contains("scalars is f32, expected f64"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            checked.optimizerUpdate(
                OptimizerKind.SGD, h, f64, 1, p, 0, g, 0, new Storage[] {null}, 4));
    for (Storage s : new Storage[] {p, g, f32, f64}) {
      s.release();
    }
  }

  @Test
  void hostReadsInsideACaptureAreRefusedAndTheBackendStaysUsable() {
    double[] v = {1, -2, 3.5, -4};
    Storage x = upload(DType.FLOAT32, v);
    Storage y = b.allocate(DType.FLOAT32, v.length);
    b.beginCapture();
    CapturedGraph g;
    try {
      b.unary(UnaryOp.NEG, 0, 0, x, contiguous(4), y, contiguous(4));
      var e =
          assertThrows(IllegalStateException.class, () -> b.copyToHost(y, 0, new float[4], 0, 4));
      assertTrue(
          e.getMessage().contains("a captured step cannot read values on the host"),
          e.getMessage());
      assertThrows(IllegalStateException.class, b::synchronize);
      assertThrows(IllegalStateException.class, b::beginCapture, "one capture at a time");
    } finally {
      g = b.endCapture();
    }
    var refused = assertThrows(IllegalStateException.class, g::replay);
    assertTrue(refused.getMessage().contains("copyToHost"), refused.getMessage());
    assertEquals(0, g.size());
    g.close();
    g.close();
    assertThrows(IllegalStateException.class, b::endCapture, "capture mode was left");
    // Usable as before: eager calls run and read back.
    b.unary(UnaryOp.ABS, 0, 0, x, contiguous(4), y, contiguous(4));
    assertArrayEquals(new double[] {1, 2, 3.5, 4}, download(y));
    b.synchronize();
    x.release();
    y.release();
  }

  @Test
  void callsOfOtherThreadsWaitUntilTheCaptureEndsAndAreNotRecorded() throws Exception {
    Storage s = b.allocate(DType.FLOAT32, 16);
    b.fill(s, contiguous(16), 0);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<double[]> seen = new AtomicReference<>();
    AtomicReference<Throwable> end = new AtomicReference<>();
    Thread other =
        new Thread(
            () -> {
              try {
                b.endCapture(); // not this thread's capture: refused at once, no waiting
              } catch (Throwable t) {
                end.set(t);
              }
              try {
                Storage mine = b.allocate(DType.FLOAT32, 4); // waits for the capture to end
                b.fill(mine, contiguous(4), 5);
                seen.set(download(mine));
                mine.release();
              } catch (Throwable t) {
                failure.set(t);
              }
            });
    b.beginCapture();
    CapturedGraph g;
    try {
      b.fill(s, contiguous(16), 3);
      other.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (other.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(Thread.State.WAITING, other.getState(), "the other thread waits at the gate");
      assertEquals(null, seen.get());
    } finally {
      g = b.endCapture();
    }
    other.join(10_000);
    assertEquals(null, failure.get());
    assertInstanceOf(IllegalStateException.class, end.get());
    assertArrayEquals(new double[] {5, 5, 5, 5}, seen.get(), "ran eagerly after the capture");
    try (g) {
      assertArrayEquals(new double[16], download(s), "the captured fill has not run yet");
      g.replay();
      assertArrayEquals(new double[] {3, 3, 3}, Arrays.copyOf(download(s), 3));
    }
    s.release();
  }

  @Test
  void memoryOfACaptureIsNotHandedOutWhileTheGraphLives() {
    int n = 4096;
    b.beginCapture();
    CapturedGraph g;
    long first;
    long second;
    try {
      Storage t = b.allocate(DType.FLOAT32, n);
      first = ((CudaStorage) t).address(0);
      b.fill(t, contiguous(n), 1);
      t.release();
      Storage u = b.allocate(DType.FLOAT32, n);
      second = ((CudaStorage) u).address(0);
      b.fill(u, contiguous(n), 2);
      u.release();
    } finally {
      g = b.endCapture();
    }
    assertEquals(first, second, "a capture reuses what it freed itself");
    List<Storage> others = new ArrayList<>();
    try (g) {
      for (int i = 0; i < 32; i++) {
        Storage s = b.allocate(DType.FLOAT32, n);
        assertNotEquals(first, ((CudaStorage) s).address(0), "handed out the graph's block");
        b.fill(s, contiguous(n), 7);
        others.add(s);
      }
      g.replay(); // writes 1 then 2 into the graph's block, nowhere else
      for (Storage s : others) {
        double[] d = download(s);
        assertEquals(7, d[0]);
        assertEquals(7, d[n - 1]);
      }
    }
    others.forEach(Storage::release);
  }

  @Test
  void aCapturedUploadCopiesTheValuesTheArrayHeldAtCapture() {
    // One upload inside the first pinned chunk, one larger than a chunk.
    for (int n : new int[] {1000, (int) (CudaGraph.SNAPSHOT_CHUNK / 4) * 3 + 5}) {
      float[] host = new float[n];
      for (int i = 0; i < n; i++) {
        host[i] = i * 0.5f - 3;
      }
      double[] expected = new double[n];
      for (int i = 0; i < n; i++) {
        expected[i] = host[i];
      }
      Storage d = b.allocate(DType.FLOAT32, n);
      b.beginCapture();
      CapturedGraph g;
      try {
        b.copyFromHost(host, 0, d, 0, n);
      } finally {
        g = b.endCapture();
      }
      try (g) {
        Arrays.fill(host, -1);
        // Eager uploads cycle through every staging buffer in between.
        Storage other = b.allocate(DType.FLOAT32, n);
        for (int i = 0; i < 2 * PinnedStaging.SLOTS; i++) {
          b.copyFromHost(host, 0, other, 0, n);
        }
        g.replay();
        assertArrayEquals(expected, download(d), "n = " + n);
        other.release();
      }
      d.release();
    }
  }

  @Test
  void aGraphClosedDuringAnotherCaptureIsFreedWhenThatCaptureEnds() {
    Storage s = b.allocate(DType.FLOAT64, 8);
    b.beginCapture();
    CapturedGraph first;
    try {
      b.fill(s, contiguous(8), 1);
    } finally {
      first = b.endCapture();
    }
    first.replay();
    b.beginCapture();
    CapturedGraph second;
    try {
      first.close(); // waiting for its replays must wait for this capture to end
      b.fill(s, contiguous(8), 2);
    } finally {
      second = b.endCapture();
    }
    assertThrows(IllegalStateException.class, first::replay);
    try (second) {
      second.replay();
      assertArrayEquals(new double[] {2, 2, 2, 2, 2, 2, 2, 2}, download(s));
    }
    s.release();
  }
}
