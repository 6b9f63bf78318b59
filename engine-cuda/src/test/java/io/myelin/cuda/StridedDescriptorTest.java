package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.myelin.Layout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The kernel descriptor's coalescing and offsets, checked against Layout.indexOf. */
class StridedDescriptorTest {

  @Test
  void denseViewsCollapseToOneContiguousDimension() {
    int[] d =
        StridedDescriptor.pack(
            new int[] {4, 5, 6},
            Layout.contiguousStrides(new int[] {4, 5, 6}),
            Layout.contiguousStrides(new int[] {4, 5, 6}));
    assertEquals(1, d[0]);
    assertEquals(1, d[1]);
    assertEquals(120, d[2]);
  }

  @Test
  void broadcastRowStaysTwoDimensional() {
    // y = x + bias with bias [1, 6] broadcast over 4 rows.
    int[] d =
        StridedDescriptor.pack(
            new int[] {4, 6}, new int[] {6, 1}, new int[] {0, 1}, new int[] {6, 1});
    assertEquals(2, d[0]);
    assertEquals(0, d[1]);
    assertEquals(4, d[2]);
    assertEquals(6, d[3]);
  }

  @Test
  void scalarAndAllOnesShapesAreOneElement() {
    int[] d = StridedDescriptor.pack(new int[] {}, new int[] {});
    assertEquals(1, d[0]);
    assertEquals(1, d[1]);
    assertEquals(1, d[2]);
    d = StridedDescriptor.pack(new int[] {1, 1}, new int[] {7, 9});
    assertEquals(1, d[0]);
  }

  @Test
  void offsetsMatchLayoutForRandomViews() {
    Random r = new Random(7);
    for (int trial = 0; trial < 500; trial++) {
      int rank = r.nextInt(7);
      int[] shape = new int[rank];
      for (int i = 0; i < rank; i++) {
        shape[i] = 1 + r.nextInt(4);
      }
      Layout[] layouts = new Layout[1 + r.nextInt(4)];
      for (int k = 0; k < layouts.length; k++) {
        layouts[k] = randomView(shape, r);
      }
      int[][] strides = new int[layouts.length][];
      for (int k = 0; k < layouts.length; k++) {
        strides[k] = layouts[k].strides();
      }
      int[] d = StridedDescriptor.pack(shape, strides);
      int n = (int) Layout.numel(shape);
      for (int k = 0; k < layouts.length; k++) {
        for (int i = 0; i < n; i++) {
          assertEquals(
              layouts[k].indexOf(i) - layouts[k].offset(),
              StridedDescriptor.offsetOf(d, k, i),
              "operand " + k + " element " + i + " of " + layouts[k]);
        }
      }
    }
  }

  /** Contiguous, transposed (permuted) or broadcast (0-stride) views of {@code shape}. */
  private static Layout randomView(int[] shape, Random r) {
    int rank = shape.length;
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = i;
    }
    if (r.nextBoolean()) {
      for (int i = rank - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
    }
    int[] permShape = new int[rank];
    for (int i = 0; i < rank; i++) {
      permShape[i] = shape[perm[i]];
    }
    int[] base = Layout.contiguousStrides(permShape);
    int[] strides = new int[rank];
    for (int i = 0; i < rank; i++) {
      strides[perm[i]] = r.nextInt(5) == 0 ? 0 : base[i] * (r.nextInt(4) == 0 ? 2 : 1);
    }
    return new Layout(shape, strides, r.nextInt(3));
  }

  @Test
  void rejectsMismatchedOrTooManyOperands() {
    assertThrows(
        IllegalArgumentException.class,
        () -> StridedDescriptor.pack(new int[] {2}, new int[] {1, 1}));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            StridedDescriptor.pack(
                new int[] {2},
                new int[] {1},
                new int[] {1},
                new int[] {1},
                new int[] {1},
                new int[] {1}));
    int[] shape = {2, 2, 2, 2, 2, 2, 2, 2, 2};
    int[] strided = new int[9];
    for (int i = 0; i < 9; i++) {
      strided[i] = 1 << (2 * (8 - i)); // every dimension has a gap: nothing merges
    }
    var e =
        assertThrows(IllegalArgumentException.class, () -> StridedDescriptor.pack(shape, strided));
    assertEquals(true, e.getMessage().contains("at most 8"));
  }
}
