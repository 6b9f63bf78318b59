package io.myelin.cpu;

import jdk.incubator.vector.VectorShape;

/**
 * The vector shape of every CPU kernel: the platform's preferred one, or a narrower one asked for
 * with {@code -Dmyelin.cpu.vectorBits=128|256|512} (never wider than the preferred shape: a wider
 * request is capped). The narrower shape exists so that a machine with AVX-512 can run the AVX2
 * code paths (five-row GEMM kernels, 8 x 8 transposes, 8-lane element-wise loops) in its tests:
 * until an AVX2-only machine ran them, a register-spilling kernel there went unnoticed
 * (bench/RESULTS.md, 2026-12-07 round 5). Reading {@link VectorShape} does not initialise {@code
 * FloatVector} (~30 ms of class loading that a model on the scalar paths never needs).
 */
final class VectorWidth {
  /** The shape the kernels use. */
  static final VectorShape SHAPE = shape(System.getProperty("myelin.cpu.vectorBits"));

  private VectorWidth() {}

  /** {@code requested} bits (null: the preferred shape), capped at the preferred shape. */
  static VectorShape shape(String requested) {
    VectorShape preferred = VectorShape.preferredShape();
    if (requested == null || requested.isBlank()) {
      return preferred;
    }
    int bits;
    try {
      bits = Integer.parseInt(requested.trim());
    } catch (NumberFormatException e) {
      bits = -1;
    }
    if (bits != 128 && bits != 256 && bits != 512) {
      throw new IllegalArgumentException(
          "-Dmyelin.cpu.vectorBits="
              + requested
              + " is not a vector width: use 128, 256 or 512 (at most this CPU's "
              + preferred.vectorBitSize()
              + "), or leave it unset");
    }
    return bits >= preferred.vectorBitSize() ? preferred : VectorShape.forBitSize(bits);
  }
}
