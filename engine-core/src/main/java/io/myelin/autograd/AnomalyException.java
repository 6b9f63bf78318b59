package io.myelin.autograd;

/**
 * Anomaly mode found a NaN or infinity; the message names the op and whether forward or backward.
 */
public class AnomalyException extends ArithmeticException {
  public AnomalyException(String message) {
    super(message);
  }
}
