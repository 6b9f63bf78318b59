package io.myelin.io;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Tensor;

/**
 * Tensor data on the Java heap: the step between the bytes of a file and a device tensor, kept
 * separate so that all parsing and validation runs (and is tested) without a backend.
 *
 * @param dtype FLOAT32 ({@code float[]}), FLOAT64 ({@code double[]}) or INT32 ({@code int[]})
 * @param shape dims, empty for a scalar
 * @param data row-major elements, length = product of {@code shape}
 */
record HostTensor(DType dtype, int[] shape, Object data) {

  /** Copies the data to a new tensor on {@code device}. */
  Tensor toTensor(Device device) {
    if (shape.length > 0) {
      return Tensor.of(device, data, shape);
    }
    // Tensor.of reads an empty shape as "1-D of the data's length", so a scalar is a [1] viewed
    // as [].
    try (Tensor one = Tensor.of(device, data, 1)) {
      return one.reshape();
    }
  }

  /** The host copy of {@code t}'s elements (row-major, whatever its strides). */
  static HostTensor of(Tensor t) {
    Object data =
        switch (t.dtype()) {
          case FLOAT32 -> t.toFloatArray();
          case FLOAT64 -> t.toDoubleArray();
          case INT32 -> t.toIntArray();
        };
    return new HostTensor(t.dtype(), t.shape(), data);
  }
}
