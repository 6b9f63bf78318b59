package io.myelin.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One protobuf message being written, field by field, on protobuf-java's {@link CodedOutputStream}.
 * Embedded messages are written as their bytes (length-delimited), which is their wire form. Field
 * numbers are the ONNX specification's ({@code onnx/onnx.proto}); they live as constants in {@link
 * OnnxFields}.
 */
final class OnnxWire {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  OnnxWire string(int field, String value) {
    return io(() -> out.writeString(field, value));
  }

  OnnxWire int64(int field, long value) {
    return io(() -> out.writeInt64(field, value));
  }

  OnnxWire int32(int field, int value) {
    return io(() -> out.writeInt32(field, value));
  }

  OnnxWire float32(int field, float value) {
    return io(() -> out.writeFloat(field, value));
  }

  OnnxWire bytes(int field, byte[] value) {
    return io(() -> out.writeByteArray(field, value));
  }

  OnnxWire message(int field, OnnxWire message) {
    return bytes(field, message.toByteArray());
  }

  byte[] toByteArray() {
    io(out::flush);
    return bytes.toByteArray();
  }

  @FunctionalInterface
  private interface Write {
    void run() throws IOException;
  }

  // A ByteArrayOutputStream never fails; the checked exception is CodedOutputStream's signature.
  private OnnxWire io(Write w) {
    try {
      w.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }
}
