package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Test;

/** The kernels' vector shape: the preferred one, or a narrower one asked for by property. */
class VectorWidthTest {
  private static final VectorShape PREFERRED = VectorShape.preferredShape();

  @Test
  void unsetMeansThePreferredShape() {
    assertEquals(PREFERRED, VectorWidth.shape(null));
    assertEquals(PREFERRED, VectorWidth.shape(" "));
  }

  @Test
  void aNarrowerWidthIsTakenAndAWiderOneCapped() {
    assertEquals(VectorShape.S_128_BIT, VectorWidth.shape("128"));
    assertEquals(PREFERRED, VectorWidth.shape("512")); // at most the preferred shape
    int bits = PREFERRED.vectorBitSize();
    assertEquals(PREFERRED, VectorWidth.shape(Integer.toString(bits)));
    if (bits > 256) {
      assertEquals(VectorShape.S_256_BIT, VectorWidth.shape("256"));
    }
  }

  @Test
  void anythingElseIsRefusedWithTheFix() {
    for (String bad : new String[] {"64", "1024", "wide", "256b"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> VectorWidth.shape(bad));
      assertTrue(e.getMessage().contains("-Dmyelin.cpu.vectorBits=" + bad), e.getMessage());
      assertTrue(e.getMessage().contains("use 128, 256 or 512"), e.getMessage());
    }
  }
}
