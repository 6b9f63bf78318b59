package io.myelin.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A JCuda device pointer that exposes its raw address, so the JCuda driver binding and the
 * foreign-function cuBLAS binding share one pointer ({@code getNativePointer()} is protected in
 * JCuda). JCuda's native side reads a pointer as {@code nativePointer + byteOffset}, so a pointer
 * to any address is a null base plus that address as the offset.
 */
final class DevicePointer extends CUdeviceptr {
  private static final CUdeviceptr NULL = new CUdeviceptr();

  /** An empty pointer for {@code cuMemAlloc} to fill in. */
  DevicePointer() {}

  private DevicePointer(CUdeviceptr base, long byteOffset) {
    super(base, byteOffset);
  }

  /** A pointer to {@code address}, for driver calls that take a {@code CUdeviceptr}. */
  static DevicePointer at(long address) {
    return new DevicePointer(NULL, address);
  }

  /** The raw device address. */
  long address() {
    return getNativePointer() + getByteOffset();
  }
}
