package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.CapturedGraph;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The CPU backend's capture contract (Backend#beginCapture) at the primitive level. */
class CpuGraphTest {
  private final CpuBackend be = new CpuBackend(2);

  private float[] read(Storage s) {
    float[] out = new float[s.length()];
    be.copyToHost(s, 0, out, 0, out.length);
    return out;
  }

  @Test
  void aCaptureRunsNothingUntilReplayedAndThenEveryTime() {
    Storage acc = be.allocate(DType.FLOAT32, 3);
    be.copyFromHost(new float[] {0, 0, 0}, 0, acc, 0, 3);
    float[] host = {1, 2, 3};
    Layout l = Layout.contiguous(3);
    be.beginCapture();
    Storage tmp = be.allocate(DType.FLOAT32, 3);
    be.copyFromHost(host, 0, tmp, 0, 3); // recorded with {1, 2, 3}
    be.unary(UnaryOp.SQUARE, 0, 0, tmp, l, tmp, l);
    be.binary(BinaryOp.ADD, acc, l, tmp, l, acc, l);
    tmp.release();
    CapturedGraph g = be.endCapture();
    assertArrayEquals(new float[] {0, 0, 0}, read(acc), "nothing ran during the capture");
    host[0] = 100; // later changes to the array do not matter
    g.replay();
    g.replay();
    assertArrayEquals(new float[] {2, 8, 18}, read(acc));
    assertEquals(3, g.size(), "the upload, the square and the add");
    g.close();
    assertThrows(IllegalStateException.class, g::replay);
    acc.release();
  }

  @Test
  void memoryOfACaptureStaysReservedUntilTheGraphCloses() {
    be.beginCapture();
    Storage inGraph = be.allocate(DType.FLOAT32, 1031);
    Object array = ((CpuStorage) inGraph).array();
    inGraph.release();
    Storage again = be.allocate(DType.FLOAT32, 1031); // the same capture may reuse it
    assertTrue(((CpuStorage) again).array() == array);
    again.release();
    CapturedGraph g = be.endCapture();
    Storage outside = be.allocate(DType.FLOAT32, 1031);
    assertNotSame(array, ((CpuStorage) outside).array(), "not handed out while the graph lives");
    outside.release();
    g.close();
    Storage after = be.allocate(DType.FLOAT32, 1031);
    Storage after2 = be.allocate(DType.FLOAT32, 1031);
    assertTrue(
        ((CpuStorage) after).array() == array || ((CpuStorage) after2).array() == array,
        "back in the pool once the graph is closed");
    after.release();
    after2.release();
  }

  @Test
  void hostReadsAreRefusedWhileCapturingAndOtherThreadsRunAsUsual() throws Exception {
    Storage s = be.allocate(DType.FLOAT32, 2);
    be.copyFromHost(new float[] {4, 5}, 0, s, 0, 2);
    be.beginCapture();
    try {
      var e = assertThrows(IllegalStateException.class, () -> read(s));
      assertTrue(e.getMessage().contains("graph capture"), e.getMessage());
      assertThrows(IllegalStateException.class, be::synchronize);
      assertThrows(IllegalStateException.class, be::beginCapture);
      float[] other = CompletableFuture.supplyAsync(() -> read(s)).get();
      assertArrayEquals(new float[] {4, 5}, other, "another thread is not captured");
    } finally {
      be.endCapture().close();
    }
    assertArrayEquals(new float[] {4, 5}, read(s));
    assertThrows(IllegalStateException.class, be::endCapture);
    s.release();
  }
}
