package io.myelin.cuda;

/**
 * The activation of the built-in SGEMM's fused epilogue ({@link CudaBackend#gemmBiasActivation}):
 * applied to {@code alpha * op(A) op(B) + beta * C + bias} before the store. The ordinal is the
 * kernel's {@code act} code (gemm.cu, {@code sgemm_activation}).
 */
enum GemmActivation {
  /** Identity. */
  NONE,
  /** {@code max(v, 0)}. */
  RELU,
  /** {@code v * Phi(v)} (the exact, erf-based form). */
  GELU,
  /** {@code tanh(v)}. */
  TANH,
  /** {@code 1 / (1 + exp(-v))}. */
  SIGMOID
}
