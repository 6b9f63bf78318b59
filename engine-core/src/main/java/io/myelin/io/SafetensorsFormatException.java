package io.myelin.io;

import java.io.IOException;

/**
 * A safetensors file does not hold what the format promises, or holds something Myelin cannot
 * represent (an 8-bit float, an int64 beyond the int32 range).
 *
 * <p>The message starts with the place, so a user can find it with a hex dump: {@code
 * model.safetensors:byte 8: header: expected ',' or '}' in an object} for a position in the file,
 * {@code model.safetensors: tensor 'fc.weight': shape [3, 4] of F32 needs 48 bytes, data_offsets
 * [0, 40] hold 40} for a tensor, {@code model.safetensors: ...} for the whole file. The parts are
 * also available separately.
 */
public class SafetensorsFormatException extends IOException {
  private final String source;
  private final long offset;
  private final String tensor;

  /**
   * @param source the file name (not the full path: messages stay short)
   * @param offset 0-based byte offset in the file, or -1
   * @param tensor the tensor concerned, or null
   * @param message what was expected and what was found, without the place
   */
  protected SafetensorsFormatException(String source, long offset, String tensor, String message) {
    super(prefix(source, offset, tensor) + message);
    this.source = source;
    this.offset = offset;
    this.tensor = tensor;
  }

  static SafetensorsFormatException atByte(String source, long offset, String message) {
    return new SafetensorsFormatException(source, offset, null, message);
  }

  static SafetensorsFormatException inTensor(String source, String tensor, String message) {
    return new SafetensorsFormatException(source, -1, tensor, message);
  }

  static SafetensorsFormatException inFile(String source, String message) {
    return new SafetensorsFormatException(source, -1, null, message);
  }

  private static String prefix(String source, long offset, String tensor) {
    StringBuilder sb = new StringBuilder(source);
    if (offset >= 0) {
      sb.append(":byte ").append(offset);
    }
    sb.append(": ");
    if (tensor != null) {
      sb.append("tensor '").append(tensor).append("': ");
    }
    return sb.toString();
  }

  /** The file name the error concerns. */
  public String source() {
    return source;
  }

  /** The 0-based byte offset in the file, or -1 when the error is not about one position. */
  public long offset() {
    return offset;
  }

  /** The tensor the error concerns, or null. */
  public String tensor() {
    return tensor;
  }
}
