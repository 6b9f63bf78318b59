package io.myelin;

/** An op was given tensors whose shapes do not fit; the message names the op and the shapes. */
public class ShapeMismatchException extends IllegalArgumentException {
  public ShapeMismatchException(String message) {
    super(message);
  }
}
