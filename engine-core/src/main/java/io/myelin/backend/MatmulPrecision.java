package io.myelin.backend;

/**
 * How float32 GEMMs may trade precision for speed, as PyTorch's {@code
 * torch.set_float32_matmul_precision}. {@link #HIGHEST} is the default everywhere.
 */
public enum MatmulPrecision {
  /** Full float32 products and float32 accumulation (PyTorch's "highest"; the default). */
  HIGHEST,
  /**
   * Inputs rounded to TF32 (10 explicit mantissa bits) on tensor cores, float32 accumulation
   * (PyTorch's "high", {@code allow_tf32 = True}): several times the GEMM throughput on Ampere and
   * later GPUs, relative error of products about 1e-3 instead of 1e-7. Backends without such
   * hardware (the CPU) ignore it.
   */
  HIGH
}
