package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The reference Philox4x32-10 against the Random123 known-answer vectors (kat_vectors), and the
 * stream layout helpers built on it.
 */
class PhiloxTest {

  private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
    int[] out = new int[4];
    Philox.block(c0, c1, c2, c3, k0, k1, out);
    return out;
  }

  @Test
  void knownAnswerZeroCounterZeroKey() {
    assertArrayEquals(
        new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, block(0, 0, 0, 0, 0, 0));
  }

  @Test
  void knownAnswerAllOnes() {
    assertArrayEquals(
        new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, block(-1, -1, -1, -1, -1, -1));
  }

  @Test
  void knownAnswerPiDigits() {
    assertArrayEquals(
        new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
        block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
  }

  @Test
  void streamLayoutSplitsCounterAndSeedIntoWords() {
    long seed = 0x299f31d0a4093822L;
    long counter = 0x85a308d3243f6a88L;
    int[] viaLayout = new int[4];
    Philox.block(seed, counter, viaLayout);
    assertArrayEquals(block(0x243f6a88, 0x85a308d3, 0, 0, 0xa4093822, 0x299f31d0), viaLayout);
  }

  @Test
  void uniformsUseTheTop24BitsOfEachLane() {
    double[] u = new double[7];
    Philox.uniforms(0, 0, u, 0, 7);
    int[] w0 = block(0, 0, 0, 0, 0, 0);
    int[] w1 = block(1, 0, 0, 0, 0, 0);
    for (int i = 0; i < 7; i++) {
      int w = i < 4 ? w0[i] : w1[i - 4];
      assertEquals((w >>> 8) / 16777216.0, u[i], 0.0);
      assertTrue(u[i] >= 0 && u[i] < 1);
    }
  }

  @Test
  void normalsAreBoxMullerOnLanePairs() {
    double[] z = new double[4];
    Philox.normals(3, 9, z, 0, 4);
    int[] w = new int[4];
    Philox.block(3, 9, w);
    double r = Math.sqrt(-2 * Math.log(((w[0] >>> 8) + 1) / 16777216.0));
    double t = 2 * Math.PI * ((w[1] >>> 8) / 16777216.0);
    assertEquals(r * Math.cos(t), z[0], 1e-15);
    assertEquals(r * Math.sin(t), z[1], 1e-15);
    assertEquals(2, Philox.blocksFor(5));
    assertEquals(0, Philox.blocksFor(0));
  }
}
