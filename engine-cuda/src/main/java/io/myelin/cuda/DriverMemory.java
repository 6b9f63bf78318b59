package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;

import jcuda.driver.CUresult;

/**
 * {@link DeviceMemory} on the real driver. The caller makes the device's context current on the
 * calling thread first (the allocator is only called from backend methods, which do).
 *
 * <p>{@code cuMemAlloc} runs with the thread's capture mode relaxed ({@link
 * Driver#relaxedCapture}): a segment the allocator needs in the middle of a graph capture is legal
 * to allocate there (it belongs to the graph's pool until the graph closes). {@code cuMemFree} is
 * never called during a capture (the allocator does not empty its cache then).
 */
final class DriverMemory implements DeviceMemory {

  @Override
  public long allocate(long bytes) {
    DevicePointer p = new DevicePointer();
    int r = Driver.relaxedCapture(() -> cuMemAlloc(p, bytes));
    if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
      return 0;
    }
    Driver.check(r, "cuMemAlloc(" + bytes + ")");
    return p.address();
  }

  @Override
  public void free(long address) {
    Driver.check(cuMemFree(DevicePointer.at(address)), "cuMemFree");
  }

  @Override
  public String describe() {
    long[] free = new long[1];
    long[] total = new long[1];
    if (cuMemGetInfo(free, total) != CUresult.CUDA_SUCCESS) {
      return "";
    }
    return "the device reports "
        + MemoryText.bytes(free[0])
        + " free of "
        + MemoryText.bytes(total[0]);
  }
}
