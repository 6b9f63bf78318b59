package io.myelin.onnx;

import java.io.IOException;

/**
 * An ONNX file that {@link Onnx#load} cannot read: malformed protobuf, a value the format forbids,
 * a size beyond the reader's bounds, or a graph that does not fit together (a missing initializer,
 * a weight of the wrong shape). The message starts with the place: {@code model.onnx:byte 1234:
 * ...} for a position in the file, {@code model.onnx: node 'gemm_0' (Gemm): ...} for a node, {@code
 * model.onnx: ...} for the whole file.
 */
public class OnnxFormatException extends IOException {
  private final String source;
  private final long offset;
  private final String node;

  /**
   * @param source the file name (not the full path: messages stay short)
   * @param offset 0-based byte offset in the file, or -1
   * @param node the node concerned as {@code 'name' (OpType)}, or null
   */
  public OnnxFormatException(String source, long offset, String node, String message) {
    super(
        source
            + (offset >= 0 ? ":byte " + offset : "")
            + (node != null ? ": node " + node : "")
            + ": "
            + message);
    this.source = source;
    this.offset = offset;
    this.node = node;
  }

  /** The file name given to the reader. */
  public String source() {
    return source;
  }

  /**
   * The byte offset of the problem in the file, or -1 when it concerns a node or the whole file.
   */
  public long offset() {
    return offset;
  }

  /** The node concerned ({@code 'name' (OpType)}), or null. */
  public String node() {
    return node;
  }
}
