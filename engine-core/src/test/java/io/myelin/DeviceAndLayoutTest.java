package io.myelin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Value types and shape arithmetic that need no backend. */
class DeviceAndLayoutTest {

  @Test
  void devicesParseAndPrint() {
    assertEquals(Device.CPU, Device.parse(" CPU "));
    assertEquals(Device.cuda(0), Device.parse("cuda"));
    assertEquals(Device.cuda(3), Device.parse("cuda:3"));
    assertEquals("cuda:3", Device.cuda(3).toString());
    assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:-1"));
    assertThrows(IllegalArgumentException.class, () -> Device.parse(":1"));
  }

  @Test
  void layoutsKnowContiguityAndIndices() {
    Layout l = Layout.contiguous(2, 3, 4);
    assertArrayEquals(new int[] {12, 4, 1}, l.strides());
    assertTrue(l.isContiguous());
    Layout t = new Layout(new int[] {4, 3, 2}, new int[] {1, 4, 12}, 0);
    assertFalse(t.isContiguous());
    assertEquals(12 + 4 + 1, l.indexOf(12 + 4 + 1));
    assertEquals(1 * 1 + 2 * 4 + 1 * 12, t.indexOf(1 * 6 + 2 * 2 + 1));
    assertEquals(24, t.extent());
  }

  @Test
  void viewStridesFollowPytorchRules() {
    Layout transposed = new Layout(new int[] {3, 4}, new int[] {1, 3}, 0);
    assertNull(
        Views.viewStrides(transposed, new int[] {12}), "a transposed matrix cannot be flattened");
    Layout sliced =
        new Layout(new int[] {2, 3, 4}, new int[] {24, 4, 1}, 5); // rows of a bigger tensor
    assertArrayEquals(new int[] {24, 1}, Views.viewStrides(sliced, new int[] {2, 12}));
    assertNull(Views.viewStrides(sliced, new int[] {24}));
    assertArrayEquals(new int[] {24, 4, 4, 1}, Views.viewStrides(sliced, new int[] {2, 3, 1, 4}));
  }

  @Test
  void broadcastingFollowsNumpy() {
    assertArrayEquals(
        new int[] {2, 3, 4}, Shapes.broadcast("t", new int[] {3, 1}, new int[] {2, 1, 4}));
    var e =
        assertThrows(
            ShapeMismatchException.class,
            () -> Shapes.broadcast("mul", new int[] {2, 3}, new int[] {4, 3}));
    assertTrue(e.getMessage().startsWith("mul: shapes [2, 3] and [4, 3]"), e.getMessage());
  }

  @Test
  void generatorsReserveDisjointBlocks() {
    Generator g = new Generator(7);
    assertEquals(0, g.reserve(5));
    assertEquals(2, g.reserve(4));
    assertEquals(3, g.state());
    g.setState(10);
    assertEquals(10, g.reserve(1));
  }
}
