package io.myelin.cuda;

/** A CUDA driver or cuBLAS call failed; the message names the call and the error. */
public final class CudaException extends RuntimeException {
  public CudaException(String message) {
    super(message);
  }
}
