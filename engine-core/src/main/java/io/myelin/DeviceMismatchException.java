package io.myelin;

/** An op was given tensors on different devices; the message names the op and both devices. */
public class DeviceMismatchException extends IllegalArgumentException {
  public DeviceMismatchException(String message) {
    super(message);
  }
}
