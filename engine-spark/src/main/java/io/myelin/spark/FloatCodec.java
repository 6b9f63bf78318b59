package io.myelin.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Encodes a float32 vector as Base64 of its little-endian IEEE-754 bytes, the form gradients and
 * parameters take in a barrier {@code allGather} (which carries strings only). Exact: decoding
 * gives back the same bits, NaN payloads and signed zeros included. Size: {@code 4n} bytes become
 * {@code 4 * ceil(4n / 3)} characters, 1.33x the raw volume (decimal text would be ~2.5-3x and
 * lossy unless 9 significant digits are kept).
 */
public final class FloatCodec {
  private FloatCodec() {}

  /** Base64 of {@code values} as little-endian float32. */
  public static String encode(float[] values) {
    ByteBuffer buf =
        ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES))
            .order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return Base64.getEncoder().encodeToString(buf.array());
  }

  /**
   * The floats {@link #encode} wrote.
   *
   * @throws IllegalArgumentException if {@code text} is not Base64 or not a whole number of floats
   */
  public static float[] decode(String text) {
    byte[] bytes = Base64.getDecoder().decode(text);
    if (bytes.length % Float.BYTES != 0) {
      throw new IllegalArgumentException(
          "encoded float vector has " + bytes.length + " bytes, not a multiple of 4");
    }
    float[] out = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** Characters {@link #encode} produces for {@code n} floats. */
  public static long encodedLength(long n) {
    return 4 * ((4 * n + 2) / 3);
  }
}
