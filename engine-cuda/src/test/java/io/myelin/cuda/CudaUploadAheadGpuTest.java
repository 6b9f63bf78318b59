package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.CapturedGraph;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * copyFromHostAhead on cuda:0: the copy runs on the copy stream, the first use waits for it, a
 * block reused from a freed storage is not overwritten under the kernel that still reads it, and a
 * capture after pending uploads starts cleanly. Skipped with the probe's reason without a GPU.
 */
class CudaUploadAheadGpuTest extends CudaGpuTest {

  private static float[] ramp(int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * scale;
    }
    return v;
  }

  @Test
  void theFirstUseSeesTheUploadedValues() {
    for (int n : new int[] {1, 1031, 3 * (PinnedStaging.CHUNK_BYTES / 4) + 7}) {
      Storage s = b.allocate(DType.FLOAT32, n);
      float[] host = ramp(n, 0.5f);
      b.copyFromHostAhead(host, 0, s, 0, n);
      host[0] = -1; // the array may change once the call returned
      Storage y = b.allocate(DType.FLOAT32, n);
      b.unary(UnaryOp.NEG, 0, 0, s, Layout.contiguous(n), y, Layout.contiguous(n));
      float[] got = new float[n];
      b.copyToHost(y, 0, got, 0, n);
      float[] expected = ramp(n, -0.5f);
      assertArrayEquals(expected, got, "n " + n);
      s.release();
      y.release();
    }
  }

  @Test
  void aReusedBlockIsNotOverwrittenUnderAPendingKernel() {
    int n = 1 << 22; // 16 MiB: the square below takes a while, the copy starts at once
    Storage x = upload(DType.FLOAT32, uniform(n, 1, 2));
    Storage y = b.allocate(DType.FLOAT32, n);
    Storage last = null;
    for (int rep = 0; rep < 8; rep++) {
      b.unary(UnaryOp.SQUARE, 0, 0, x, Layout.contiguous(n), y, Layout.contiguous(n));
    }
    float[] expected = new float[n];
    b.copyToHost(x, 0, expected, 0, n);
    for (int i = 0; i < n; i++) {
      expected[i] = expected[i] * expected[i];
    }
    for (int rep = 0; rep < 8; rep++) {
      b.unary(UnaryOp.SQUARE, 0, 0, x, Layout.contiguous(n), y, Layout.contiguous(n));
    }
    x.release(); // the kernels above still read x's block
    Storage reused = b.allocate(DType.FLOAT32, n); // the cache hands the same block back
    b.copyFromHostAhead(new float[n], 0, reused, 0, n);
    float[] got = new float[n];
    b.copyToHost(y, 0, got, 0, n);
    assertArrayEquals(expected, got, "the squares were computed from the old values");
    reused.release();
    y.release();
  }

  @Test
  void aStorageFreedBeforeItsFirstUseAndACaptureAfterPendingUploadsAreSafe() {
    Storage s = b.allocate(DType.FLOAT32, 4096);
    b.copyFromHostAhead(ramp(4096, 1), 0, s, 0, 4096);
    s.release(); // never used: waits for the copy before the block is reused
    Storage t = b.allocate(DType.FLOAT32, 8);
    b.copyFromHostAhead(ramp(8, 2), 0, t, 0, 8);
    Storage u = b.allocate(DType.FLOAT32, 8);
    b.beginCapture(); // drains the copy stream first
    b.unary(UnaryOp.NEG, 0, 0, t, Layout.contiguous(8), u, Layout.contiguous(8));
    CapturedGraph g = b.endCapture();
    g.replay();
    float[] got = new float[8];
    b.copyToHost(u, 0, got, 0, 8);
    assertArrayEquals(ramp(8, -2), got);
    g.close();
    t.release();
    u.release();
  }

  /**
   * A replay reads its input storages without naming them in a backend call, so a copy-stream
   * upload into one (a data loader's look-ahead into the graph's input) must be ordered before the
   * replay by the replay itself. On the emulated device in lazy mode (MYELIN_EMU_LAZY=1) the copy
   * stream runs only when something waits on it: without that wait every replay reads the previous
   * values; on a GPU it fails when the copy is slower than the launch.
   */
  @Test
  void aReplayWaitsForPendingUploadsIntoTheStoragesItReads() {
    int n = 1031;
    Storage x = b.allocate(DType.FLOAT32, n);
    b.copyFromHost(ramp(n, 1), 0, x, 0, n);
    Storage y = b.allocate(DType.FLOAT32, n);
    b.beginCapture();
    b.unary(UnaryOp.NEG, 0, 0, x, Layout.contiguous(n), y, Layout.contiguous(n));
    CapturedGraph g = b.endCapture();
    for (int step = 2; step <= 4; step++) {
      b.copyFromHostAhead(ramp(n, step), 0, x, 0, n);
      g.replay();
      float[] got = new float[n];
      b.copyToHost(y, 0, got, 0, n);
      assertArrayEquals(ramp(n, -step), got, "replay after the upload of step " + step);
    }
    g.close();
    x.release();
    y.release();
  }
}
