// The built-in GEMM used when no cuBLAS library can be loaded: a plain 16 x 16 shared-memory
// tiled kernel, one output element per thread, accumulating in the operand precision. It is
// correct for every layout the SPI allows (transposes and batch strides, including 0) but not
// fast; cuBLAS is the fast path.
//
// Element (i, j) of op(A) for batch entry z is A[z * a_batch + i * a_row + j * a_col]; the host
// turns GemmOperand (ld, transposed) into these two strides.
#include "common.cuh"

#define GEMM_TILE 16

template <typename T>
__device__ __forceinline__ void gemm_tiled(int batch, int m, int n, int k, T alpha, const T* a,
                                           int a_row, int a_col, long long a_batch, const T* b,
                                           int b_row, int b_col, long long b_batch, T beta, T* c,
                                           int ldc, long long c_batch) {
  __shared__ T as[GEMM_TILE][GEMM_TILE + 1];
  __shared__ T bs[GEMM_TILE][GEMM_TILE + 1];
  int tx = threadIdx.x, ty = threadIdx.y;
  int row = blockIdx.y * GEMM_TILE + ty;
  int col = blockIdx.x * GEMM_TILE + tx;
  // The batch loop is uniform across the block, so the barriers inside are safe.
  for (int z = blockIdx.z; z < batch; z += gridDim.z) {
    const T* az = a + z * a_batch;
    const T* bz = b + z * b_batch;
    T acc = T(0);
    for (int t = 0; t < k; t += GEMM_TILE) {
      as[ty][tx] = (row < m && t + tx < k) ? az[(size_t)row * a_row + (size_t)(t + tx) * a_col] : T(0);
      bs[ty][tx] = (t + ty < k && col < n) ? bz[(size_t)(t + ty) * b_row + (size_t)col * b_col] : T(0);
      __syncthreads();
#pragma unroll
      for (int q = 0; q < GEMM_TILE; q++) acc += as[ty][q] * bs[q][tx];
      __syncthreads();
    }
    if (row < m && col < n) {
      T* cp = c + z * c_batch + (size_t)row * ldc + col;
      // beta == 0 must not read C: NaN there must not propagate (SPI contract).
      *cp = beta == T(0) ? alpha * acc : alpha * acc + beta * *cp;
    }
  }
}

extern "C" __global__ void gemm_tiled_f32(int batch, int m, int n, int k, double alpha, const float* a,
                                          int a_row, int a_col, long long a_batch, const float* b,
                                          int b_row, int b_col, long long b_batch, double beta,
                                          float* c, int ldc, long long c_batch) {
  gemm_tiled<float>(batch, m, n, k, (float)alpha, a, a_row, a_col, a_batch, b, b_row, b_col, b_batch,
                    (float)beta, c, ldc, c_batch);
}
extern "C" __global__ void gemm_tiled_f64(int batch, int m, int n, int k, double alpha, const double* a,
                                          int a_row, int a_col, long long a_batch, const double* b,
                                          int b_row, int b_col, long long b_batch, double beta,
                                          double* c, int ldc, long long c_batch) {
  gemm_tiled<double>(batch, m, n, k, alpha, a, a_row, a_col, a_batch, b, b_row, b_col, b_batch, beta,
                     c, ldc, c_batch);
}
