package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuThreadExchangeStreamCaptureMode;

import java.util.function.IntSupplier;
import jcuda.driver.CUresult;
import jcuda.driver.CUstreamCaptureMode;

/**
 * Checks driver API results. JCuda can throw on errors itself, but that switch is global to the JVM
 * ({@code JCudaDriver.setExceptionsEnabled}); checking here keeps Myelin from changing behaviour
 * for other JCuda users in the same process.
 */
final class Driver {
  private Driver() {}

  /**
   * @throws CudaException naming {@code call} and the CUresult when {@code result} is not success
   */
  static void check(int result, String call) {
    if (result != CUresult.CUDA_SUCCESS) {
      throw new CudaException(
          call + " failed: " + CUresult.stringFor(result) + " (" + result + ")");
    }
  }

  /**
   * Runs a driver call that stream capture counts as "potentially unsafe" (cuMemAlloc,
   * cuMemAllocHost, module loading) with the calling thread's capture mode relaxed, and returns its
   * CUresult. Outside a capture this changes nothing. Inside one (the backend captures in
   * thread-local mode) such a call would otherwise fail and invalidate the capture; these calls
   * enqueue nothing on the stream, so the graph does not depend on them: the memory they return is
   * owned by the graph's pools and outlives every replay.
   */
  static int relaxedCapture(IntSupplier call) {
    int[] mode = {CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED};
    check(cuThreadExchangeStreamCaptureMode(mode), "cuThreadExchangeStreamCaptureMode");
    try {
      return call.getAsInt();
    } finally {
      cuThreadExchangeStreamCaptureMode(mode); // restores the previous mode
    }
  }
}
