package io.myelin.cuda;

import jcuda.driver.CUresult;

/**
 * Checks driver API results. JCuda can throw on errors itself, but that switch is global to the
 * JVM ({@code JCudaDriver.setExceptionsEnabled}); checking here keeps Myelin from changing
 * behaviour for other JCuda users in the same process.
 */
final class Driver {
  private Driver() {}

  /** @throws CudaException naming {@code call} and the CUresult when {@code result} is not success */
  static void check(int result, String call) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaException(call + " failed: " + CUresult.stringFor(result) + " (" + result + ")");
    }
  }
}
