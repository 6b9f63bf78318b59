package io.myelin.io;

import io.myelin.DType;

/**
 * The element types of the safetensors format, with their sizes, and the Myelin type each one loads
 * as.
 *
 * <p>F32, F64 and I32 load as themselves and are the ones Myelin writes. F16 and BF16 load as
 * float32 (exactly: every half value is a float). The other integer types and BOOL load as int32
 * when every value fits (PyTorch stores {@code num_batches_tracked} and label tensors as I64); a
 * value outside the int32 range is an error naming the tensor and the element. The 8-bit floats
 * have no Myelin counterpart: they are validated in the header but refused when loaded.
 */
public enum SafetensorsDType {
  BOOL(1, DType.INT32),
  U8(1, DType.INT32),
  I8(1, DType.INT32),
  F8_E5M2(1, null),
  F8_E4M3(1, null),
  I16(2, DType.INT32),
  U16(2, DType.INT32),
  F16(2, DType.FLOAT32),
  BF16(2, DType.FLOAT32),
  I32(4, DType.INT32),
  U32(4, DType.INT32),
  F32(4, DType.FLOAT32),
  I64(8, DType.INT32),
  U64(8, DType.INT32),
  F64(8, DType.FLOAT64);

  private final int byteSize;
  private final DType loadsAs;

  SafetensorsDType(int byteSize, DType loadsAs) {
    this.byteSize = byteSize;
    this.loadsAs = loadsAs;
  }

  /** Bytes per element in the file. */
  public int byteSize() {
    return byteSize;
  }

  /** The Myelin type a tensor of this type loads as, or null when Myelin cannot load it. */
  public DType loadsAs() {
    return loadsAs;
  }

  /** The type named {@code code} in a header ({@code "F32"}...), or null if there is none. */
  public static SafetensorsDType fromCode(String code) {
    for (SafetensorsDType t : values()) {
      if (t.name().equals(code)) {
        return t;
      }
    }
    return null;
  }

  /** The file type Myelin writes for {@code dtype}. */
  public static SafetensorsDType of(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> F32;
      case FLOAT64 -> F64;
      case INT32 -> I32;
    };
  }
}
