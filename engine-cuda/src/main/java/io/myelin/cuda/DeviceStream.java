package io.myelin.cuda;

import jcuda.driver.CUstream;

/**
 * A JCuda stream that exposes its raw {@code CUstream} handle for cuBLAS's {@code cublasSetStream}.
 */
final class DeviceStream extends CUstream {
  /** The raw handle ({@code cudaStream_t} and {@code CUstream} are the same pointer). */
  long handle() {
    return getNativePointer();
  }
}
