package io.myelin.onnx;

/** A module that has no ONNX form in this exporter; the message names it and its path. */
public final class UnsupportedLayerException extends IllegalArgumentException {
  public UnsupportedLayerException(String message) {
    super(message);
  }
}
