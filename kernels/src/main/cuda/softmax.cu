// Softmax and log-softmax over the rows of a contiguous [rows, cols] block, forward and backward
// (io.myelin.backend.Backend#softmax). One block per row (grid-stride over rows); every row
// reduction is a block_reduce tree, so results are deterministic.
#include "common.cuh"

template <typename T, bool LOG>
__device__ __forceinline__ void softmax_rows(int rows, int cols, const T* x, T* y) {
  __shared__ T smem[32];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + (size_t)r * cols;
    T* yr = y + (size_t)r * cols;
    T m = -INFINITY;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = java_max(m, xr[j]);
    m = block_reduce(m, MaxOp(), smem);
    T s = T(0);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += exp(xr[j] - m);
    s = block_reduce(s, AddOp(), smem);
    if (LOG) {
      T shift = m + log(s);
      for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = xr[j] - shift;
    } else {
      T inv = T(1) / s;
      for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = exp(xr[j] - m) * inv;
    }
  }
}

// softmax: gx = y * (gy - sum(gy * y)); log-softmax: gx = gy - exp(y) * sum(gy).
template <typename T, bool LOG>
__device__ __forceinline__ void softmax_rows_backward(int rows, int cols, const T* y, const T* gy, T* gx) {
  __shared__ T smem[32];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    size_t base = (size_t)r * cols;
    T s = T(0);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += LOG ? gy[base + j] : gy[base + j] * y[base + j];
    s = block_reduce(s, AddOp(), smem);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
      size_t k = base + j;
      gx[k] = LOG ? gy[k] - exp(y[k]) * s : y[k] * (gy[k] - s);
    }
  }
}

#define MYELIN_DEFINE_SOFTMAX(dn, T)                                                              \
  extern "C" __global__ void softmax_##dn(int rows, int cols, const T* x, T* y) {                 \
    softmax_rows<T, false>(rows, cols, x, y);                                                     \
  }                                                                                               \
  extern "C" __global__ void log_softmax_##dn(int rows, int cols, const T* x, T* y) {             \
    softmax_rows<T, true>(rows, cols, x, y);                                                      \
  }                                                                                               \
  extern "C" __global__ void softmax_bwd_##dn(int rows, int cols, const T* y, const T* gy, T* gx) { \
    softmax_rows_backward<T, false>(rows, cols, y, gy, gx);                                       \
  }                                                                                               \
  extern "C" __global__ void log_softmax_bwd_##dn(int rows, int cols, const T* y, const T* gy,    \
                                                  T* gx) {                                        \
    softmax_rows_backward<T, true>(rows, cols, y, gy, gx);                                        \
  }

MYELIN_DEFINE_SOFTMAX(f32, float)
MYELIN_DEFINE_SOFTMAX(f64, double)
