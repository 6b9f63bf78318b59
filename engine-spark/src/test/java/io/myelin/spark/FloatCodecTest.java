package io.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatCodecTest {
  @Test
  void roundTripKeepsEveryBit() {
    Random rnd = new Random(17);
    for (int n : new int[] {0, 1, 2, 3, 4, 5, 7, 1000, 101_770}) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = Float.intBitsToFloat(rnd.nextInt());
      }
      if (n > 3) {
        v[0] = -0.0f;
        v[1] = Float.NaN;
        v[2] = Float.MIN_VALUE;
        v[3] = Float.NEGATIVE_INFINITY;
      }
      String s = FloatCodec.encode(v);
      assertEquals(FloatCodec.encodedLength(n), s.length(), "length for n=" + n);
      float[] back = FloatCodec.decode(s);
      assertEquals(n, back.length);
      for (int i = 0; i < n; i++) {
        assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(back[i]), "i=" + i);
      }
    }
  }

  @Test
  void littleEndianLayout() {
    // 1.0f = 0x3F800000: little-endian bytes 00 00 80 3F -> Base64 "AACAPw==".
    assertEquals("AACAPw==", FloatCodec.encode(new float[] {1.0f}));
  }

  @Test
  void rejectsBrokenText() {
    assertThrows(IllegalArgumentException.class, () -> FloatCodec.decode("AAA="));
    assertThrows(IllegalArgumentException.class, () -> FloatCodec.decode("not base64!"));
  }

  @Test
  void meanAgainstFloat64Reference() {
    float[] a = {1f, 2f, 3f, 1e-8f};
    float[] b = {3f, -2f, 0.5f, 1e8f};
    float[] m = Averaging.mean(List.of(a, b));
    for (int i = 0; i < a.length; i++) {
      assertEquals((float) (((double) a[i] + b[i]) / 2), m[i]);
    }
    assertArrayEquals(a, Averaging.mean(List.of(a)));
  }

  @Test
  void meanRejectsMismatch() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Averaging.mean(List.of(new float[2], new float[3])));
    assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Averaging.mean(List.of()));
  }
}
