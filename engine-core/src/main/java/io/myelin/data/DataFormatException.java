package io.myelin.data;

import java.io.IOException;

/**
 * A data file does not hold what its format promises: a malformed CSV field, a wrong field count,
 * an IDX header that does not match the bytes that follow.
 *
 * <p>The message always starts with the place, so a user can open the file and fix it: {@code
 * diabetes.csv:17: column 3 'BloodPressure': expected a number, got 'abc'} for text files (line and
 * column are 1-based), {@code images.idx:byte 4: ...} for binary ones. The parts are also available
 * separately for programs that want to report them differently.
 */
public final class DataFormatException extends IOException {
  private final String source;
  private final long position;

  /**
   * @param source the file name (not the full path: messages stay short)
   * @param position the 1-based line of a text file or the 0-based byte offset of a binary one; -1
   *     when the problem concerns the whole file
   * @param message what was expected and what was found, without the place
   */
  DataFormatException(String source, long position, String positionKind, String message) {
    super(prefix(source, position, positionKind) + message);
    this.source = source;
    this.position = position;
  }

  /** An error at a 1-based line of a text file. */
  static DataFormatException atLine(String source, long line, String message) {
    return new DataFormatException(source, line, "", message);
  }

  /** An error at a 0-based byte offset of a binary file. */
  static DataFormatException atByte(String source, long offset, String message) {
    return new DataFormatException(source, offset, "byte ", message);
  }

  /** An error about the whole file (empty file, no data rows). */
  static DataFormatException inFile(String source, String message) {
    return new DataFormatException(source, -1, "", message);
  }

  private static String prefix(String source, long position, String kind) {
    return position < 0 ? source + ": " : source + ":" + kind + position + ": ";
  }

  /** The file name the error concerns. */
  public String source() {
    return source;
  }

  /** The 1-based line (text) or 0-based byte offset (binary); -1 for the whole file. */
  public long position() {
    return position;
  }
}
