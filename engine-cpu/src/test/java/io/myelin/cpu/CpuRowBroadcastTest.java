package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.Storage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The row-broadcast path of the binary maps (a [rows, cols] tensor against one row, either side, a
 * bias add) against the float reference {@code (float) op.apply(x, y)} element by element, for
 * awkward sizes, offsets, both orientations and in place.
 */
class CpuRowBroadcastTest {
  private final CpuBackend be = new CpuBackend(2);
  private final SplittableRandom random = new SplittableRandom(17);

  private Storage floats(float[] v) {
    Storage s = be.allocate(DType.FLOAT32, v.length);
    be.copyFromHost(v, 0, s, 0, v.length);
    return s;
  }

  private float[] random(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextDouble() * 4 - 2);
    }
    return v;
  }

  @Test
  void matchesTheReferenceForEverySizeOpAndSide() {
    BinaryOp[] ops = {
      BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAXIMUM, BinaryOp.MINIMUM
    };
    for (int rows : new int[] {1, 3, 614}) {
      for (int cols : new int[] {1, 5, 16, 20, 33}) {
        for (BinaryOp op : ops) {
          for (boolean rowOnRight : new boolean[] {true, false}) {
            for (boolean inPlace : new boolean[] {false, true}) {
              float[] dense = random(2 + rows * cols);
              float[] row = random(3 + cols);
              Storage d = floats(dense);
              Storage r = floats(row);
              Storage out = inPlace ? d : be.allocate(DType.FLOAT32, rows * cols);
              Layout dl = new Layout(new int[] {rows, cols}, new int[] {cols, 1}, 2);
              Layout rl = new Layout(new int[] {rows, cols}, new int[] {0, 1}, 3);
              Layout ol = inPlace ? dl : Layout.contiguous(rows, cols);
              if (rowOnRight) {
                be.binary(op, d, dl, r, rl, out, ol);
              } else {
                be.binary(op, r, rl, d, dl, out, ol);
              }
              float[] got = new float[out.length()];
              be.copyToHost(out, 0, got, 0, got.length);
              int base = inPlace ? 2 : 0;
              for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                  float a = dense[2 + i * cols + j];
                  float b = row[3 + j];
                  float expected = rowOnRight ? (float) op.apply(a, b) : (float) op.apply(b, a);
                  assertEquals(
                      expected,
                      got[base + i * cols + j],
                      0f,
                      op
                          + " "
                          + rows
                          + "x"
                          + cols
                          + (rowOnRight ? " x op row" : " row op x")
                          + (inPlace ? " in place" : "")
                          + " at "
                          + i
                          + ","
                          + j);
                }
              }
              d.release();
              r.release();
              if (!inPlace) {
                out.release();
              }
            }
          }
        }
      }
    }
  }
}
