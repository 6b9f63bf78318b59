package io.myelin.backend;

/** A device was asked for that cannot be used here; the message says why and what to do. */
public class DeviceUnavailableException extends RuntimeException {
  public DeviceUnavailableException(String message) {
    super(message);
  }
}
