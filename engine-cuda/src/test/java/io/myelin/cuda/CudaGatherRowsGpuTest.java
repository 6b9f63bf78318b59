package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.myelin.DType;
import io.myelin.backend.Storage;
import org.junit.jupiter.api.Test;

/**
 * gatherRows on cuda:0 for every dtype (the 4- and 8-byte kernels), awkward row lengths and
 * repeated indices; an index outside [0, srcRows) leaves its destination row untouched; the host
 * validation of the CPU backend. Skipped with the probe's reason without a GPU.
 */
class CudaGatherRowsGpuTest extends CudaGpuTest {

  @Test
  void gathersRowsOfEveryDtype() {
    for (DType dt : DType.values()) {
      for (int rowLength : new int[] {1, 3, 784, 1031}) {
        int srcRows = 37;
        int srcOffset = 5;
        int dstOffset = 2;
        double[] src = new double[srcOffset + srcRows * rowLength];
        for (int i = 0; i < src.length; i++) {
          src[i] = dt == DType.INT32 ? i - 1000 : i * 0.25 - 7;
        }
        int[] idx = {36, 0, 5, 5, 17, 36, 1};
        double[] index = new double[idx.length + 1];
        for (int r = 0; r < idx.length; r++) {
          index[r + 1] = idx[r]; // indicesOffset 1
        }
        int rows = idx.length;
        Storage s = upload(dt, src);
        Storage i = upload(DType.INT32, index);
        double[] before = new double[dstOffset + rows * rowLength + 3];
        java.util.Arrays.fill(before, 99);
        Storage d = upload(dt, before);
        b.gatherRows(s, srcOffset, srcRows, rowLength, i, 1, rows, d, dstOffset);
        double[] expected = before.clone();
        for (int r = 0; r < rows; r++) {
          System.arraycopy(
              src, srcOffset + idx[r] * rowLength, expected, dstOffset + r * rowLength, rowLength);
        }
        assertArrayEquals(expected, download(d), dt + " rowLength " + rowLength);
        s.release();
        i.release();
        d.release();
      }
    }
  }

  @Test
  void anIndexOutsideTheSourceWritesNothingForItsRow() {
    int rowLength = 4;
    Storage s = upload(DType.FLOAT32, new double[] {1, 2, 3, 4, 5, 6, 7, 8});
    Storage i = upload(DType.INT32, new double[] {1, -1, 2, 0});
    Storage d = upload(DType.FLOAT32, new double[16]);
    b.fill(d, contiguous(16), -9);
    b.gatherRows(s, 0, 2, rowLength, i, 0, 4, d, 0);
    assertArrayEquals(
        new double[] {5, 6, 7, 8, -9, -9, -9, -9, -9, -9, -9, -9, 1, 2, 3, 4}, download(d));
    s.release();
    i.release();
    d.release();
  }

  // Bad arguments: CudaBackendArgumentConformanceTest (BackendArgumentConformanceTest#gatherRows).
}
