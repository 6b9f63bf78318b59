package io.myelin.onnx;

/**
 * A well-formed ONNX graph that uses something {@link Onnx#load} has no Myelin layer for: an op
 * type outside the supported set, an attribute value the layer cannot express, or a graph that is
 * not a chain. The message names the node and its op type.
 */
public final class UnsupportedOnnxException extends OnnxFormatException {
  public UnsupportedOnnxException(String source, String node, String message) {
    super(source, -1, node, message);
  }
}
