package io.myelin.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads one protobuf message, field by field, from a slice {@code [start, end)} of the file's bytes
 * on protobuf-java's {@link CodedInputStream}. Embedded messages become readers over their own
 * slice (no copy), so every error carries the absolute byte offset in the file. Groups (wire types
 * 3 and 4), which ONNX never uses, are refused rather than skipped, so no input can make the reader
 * recurse; every length is checked against the bytes left before anything is allocated.
 */
final class ProtoReader {
  private final String source;
  private final byte[] buf;
  private final int start;
  private final int end;
  private final CodedInputStream in;
  private int tag;
  private long fieldOffset;

  ProtoReader(String source, byte[] buf, int start, int end) {
    this.source = source;
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.in = CodedInputStream.newInstance(buf, start, end - start);
  }

  /** Moves to the next field; false at the end of the message. */
  boolean next() throws OnnxFormatException {
    fieldOffset = position();
    if (fieldOffset >= end) {
      return false;
    }
    tag = io(in::readTag);
    int wire = WireFormat.getTagWireType(tag);
    if (field() == 0 || wire == 3 || wire == 4 || wire > 5) {
      throw error(
          "invalid protobuf field key "
              + Integer.toUnsignedString(tag)
              + " (field "
              + field()
              + ", wire type "
              + wire
              + ")");
    }
    return true;
  }

  int field() {
    return WireFormat.getTagFieldNumber(tag);
  }

  int wireType() {
    return WireFormat.getTagWireType(tag);
  }

  /** The absolute offset of the next unread byte. */
  long position() {
    return start + (long) in.getTotalBytesRead();
  }

  /** An error at the current field's first byte. */
  OnnxFormatException error(String message) {
    return new OnnxFormatException(source, fieldOffset, null, message);
  }

  long varint() throws OnnxFormatException {
    expect(WireFormat.WIRETYPE_VARINT);
    return io(in::readRawVarint64);
  }

  float float32() throws OnnxFormatException {
    expect(WireFormat.WIRETYPE_FIXED32);
    return io(in::readFloat);
  }

  String string() throws OnnxFormatException {
    expect(WireFormat.WIRETYPE_LENGTH_DELIMITED);
    return io(in::readStringRequireUtf8);
  }

  /** A length-delimited field as a reader over its bytes. */
  ProtoReader message() throws OnnxFormatException {
    int[] slice = slice();
    return new ProtoReader(source, buf, slice[0], slice[1]);
  }

  /** A length-delimited field's bytes as {@code [from, to)} in the file, skipped over. */
  int[] slice() throws OnnxFormatException {
    expect(WireFormat.WIRETYPE_LENGTH_DELIMITED);
    int len = io(in::readRawVarint32);
    long from = position();
    if (len < 0 || len > end - from) {
      throw error(
          "field "
              + field()
              + " claims "
              + Integer.toUnsignedString(len)
              + " bytes, "
              + (end - from)
              + " are left");
    }
    io(
        () -> {
          in.skipRawBytes(len);
          return null;
        });
    return new int[] {(int) from, (int) from + len};
  }

  byte[] buffer() {
    return buf;
  }

  /**
   * A repeated int64/int32 field, packed or not: the values of this occurrence appended to {@code
   * to}.
   */
  LongList varints(LongList to) throws OnnxFormatException {
    if (wireType() == WireFormat.WIRETYPE_VARINT) {
      return to.add(varint(), this);
    }
    ProtoReader packed = message();
    while (packed.position() < packed.end) {
      to.add(packed.io(packed.in::readRawVarint64), this);
    }
    return to;
  }

  /** A repeated float field, packed or not. */
  FloatList floats(FloatList to) throws OnnxFormatException {
    if (wireType() == WireFormat.WIRETYPE_FIXED32) {
      return to.add(float32());
    }
    int[] s = slice();
    if ((s[1] - s[0]) % 4 != 0) {
      throw error("packed floats of " + (s[1] - s[0]) + " bytes, not a multiple of 4");
    }
    for (int i = s[0]; i < s[1]; i += 4) {
      to.add(
          Float.intBitsToFloat(
              (buf[i] & 0xFF)
                  | (buf[i + 1] & 0xFF) << 8
                  | (buf[i + 2] & 0xFF) << 16
                  | (buf[i + 3] & 0xFF) << 24));
    }
    return to;
  }

  /** A repeated double field, packed or not, as floats. */
  FloatList doubles(FloatList to) throws OnnxFormatException {
    if (wireType() == WireFormat.WIRETYPE_FIXED64) {
      return to.add((float) io(in::readDouble).doubleValue());
    }
    ProtoReader packed = message();
    if ((packed.end - packed.start) % 8 != 0) {
      throw error(
          "packed doubles of " + (packed.end - packed.start) + " bytes, not a multiple of 8");
    }
    while (packed.position() < packed.end) {
      to.add((float) packed.io(packed.in::readDouble).doubleValue());
    }
    return to;
  }

  /** Skips a field this reader does not use. */
  void skip() throws OnnxFormatException {
    if (wireType() == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      slice();
      return;
    }
    io(() -> in.skipField(tag));
  }

  private void expect(int wire) throws OnnxFormatException {
    if (wireType() != wire) {
      throw error("field " + field() + " has wire type " + wireType() + ", expected " + wire);
    }
  }

  @FunctionalInterface
  private interface Read<T> {
    T read() throws IOException;
  }

  private <T> T io(Read<T> r) throws OnnxFormatException {
    try {
      return r.read();
    } catch (InvalidProtocolBufferException e) {
      throw new OnnxFormatException(
          source, fieldOffset, null, "malformed protobuf: " + e.getMessage());
    } catch (IOException e) { // a byte array cannot fail otherwise
      throw new OnnxFormatException(source, fieldOffset, null, e.toString());
    }
  }

  /**
   * A growable long array of at most {@code max} values (a packed varint is one byte, a long
   * eight).
   */
  static final class LongList {
    private final int max;
    private long[] a = new long[4];
    private int n;

    LongList(int max) {
      this.max = max;
    }

    LongList add(long v, ProtoReader at) throws OnnxFormatException {
      if (n == max) {
        throw at.error("more than " + max + " integers in field " + at.field());
      }
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
      return this;
    }

    int size() {
      return n;
    }

    long[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  /** A growable float array, bounded by the bytes it is read from. */
  static final class FloatList {
    private float[] a = new float[4];
    private int n;

    FloatList add(float v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
      return this;
    }

    int size() {
      return n;
    }

    float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
