package io.myelin.train;

/**
 * Training met a NaN or infinite loss or gradient. The message names the epoch, the step, the first
 * parameter whose gradient is not finite (when one is), and the learning rate.
 */
public class NonFiniteLossException extends RuntimeException {
  public NonFiniteLossException(String message) {
    super(message);
  }
}
