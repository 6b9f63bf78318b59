// Shared definitions for every Myelin kernel family.
//
// Conventions (the Java side in io.myelin.cuda relies on them):
//  * Kernel names are extern "C" `<root>_<dtype>` with dtype f32 | f64 | i32, e.g. relu_f32,
//    relu_bwd_f64, add_f32, sum_rows_f32, copy_f32_i32 (source then destination dtype).
//  * Element-wise kernels take a Strided descriptor by value: the Java side coalesces the view
//    to at most MYELIN_MAX_DIMS dimensions and sets `contiguous` when every operand is a dense
//    run, which selects the fast path (plain indexing, no div/mod).
//  * Element counts are below 2^31 (a Layout limit), so index arithmetic is 32-bit unsigned;
//    grid-stride loop counters are 64-bit so `i += stride` cannot overflow.
//  * Blocks are a multiple of 32 threads (block_reduce assumes full warps).
#pragma once

#include <stdint.h>
#include <math.h>

#define MYELIN_MAX_DIMS 8
#define MYELIN_MAX_OPERANDS 4

// Must match io.myelin.cuda.StridedDescriptor (42 ints, passed as a by-value parameter).
struct Strided {
  int rank;
  int contiguous;
  int shape[MYELIN_MAX_DIMS];
  int strides[MYELIN_MAX_OPERANDS][MYELIN_MAX_DIMS];
};

#define GRID_STRIDE_LOOP(i, n)                                                          \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n);         \
       i += (long long)blockDim.x * gridDim.x)

// Storage offsets of flat row-major element `flat` for the first N operands. The loop is fully
// unrolled over MYELIN_MAX_DIMS with a rank guard so every descriptor access has a constant
// index: dynamic indexing into kernel parameters would force a copy to local memory.
template <int N>
__device__ __forceinline__ void strided_offsets(const Strided& s, unsigned flat, unsigned off[N]) {
#pragma unroll
  for (int k = 0; k < N; k++) off[k] = 0;
#pragma unroll
  for (int d = MYELIN_MAX_DIMS - 1; d >= 0; d--) {
    if (d < s.rank) {
      unsigned n = (unsigned)s.shape[d];
      unsigned q = flat / n;
      unsigned r = flat - q * n;
      flat = q;
#pragma unroll
      for (int k = 0; k < N; k++) off[k] += r * (unsigned)s.strides[k][d];
    }
  }
}

// ---- scalar helpers matching io.myelin.backend.UnaryOp / ScalarMath ------------------------

// Math.signum: NaN stays NaN, zeros keep their sign.
template <typename T>
__device__ __forceinline__ T sgn(T x) {
  return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);
}

// Stable logistic: never exponentiates a large positive number.
template <typename T>
__device__ __forceinline__ T sigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + exp(-x));
  T e = exp(x);
  return e / (T(1) + e);
}

// Phi(x) = erfc(-x / sqrt 2) / 2: the textbook 1 + erf(x / sqrt 2) cancels for x << 0 (erf is
// -1 + a tiny tail there), losing all relative accuracy of the tail; erfc keeps it.
template <typename T>
__device__ __forceinline__ T normal_cdf(T x) {
  return T(0.5) * erfc(-x * T(0.70710678118654752440));
}

template <typename T>
__device__ __forceinline__ T normal_pdf(T x) {
  return T(0.39894228040143267794) * exp(T(-0.5) * x * x);
}

// Math.max / Math.min: NaN if either is NaN; +0 is larger than -0.
template <typename T>
__device__ __forceinline__ T java_max(T x, T y) {
  if (x != x) return x;
  if (y != y) return y;
  if (x == y) return signbit(x) ? y : x;
  return x > y ? x : y;
}

template <typename T>
__device__ __forceinline__ T java_min(T x, T y) {
  if (x != x) return x;
  if (y != y) return y;
  if (x == y) return signbit(x) ? x : y;
  return x < y ? x : y;
}

// ---- deterministic block reduction ---------------------------------------------------------

// A (value, index) pair for argmax / argmin.
template <typename T>
struct ValueIndex {
  T v;
  int i;
};

__device__ __forceinline__ float shfl_down(float v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
__device__ __forceinline__ double shfl_down(double v, int d) { return __shfl_down_sync(0xffffffffu, v, d); }
template <typename T>
__device__ __forceinline__ ValueIndex<T> shfl_down(ValueIndex<T> p, int d) {
  return ValueIndex<T>{shfl_down(p.v, d), __shfl_down_sync(0xffffffffu, p.i, d)};
}

// Tree over a full warp; lane 0 holds the result. Fixed shape, so the same inputs give the same
// bits on every run (no atomics anywhere in a result path).
template <typename A, typename Combine>
__device__ __forceinline__ A warp_reduce(A v, Combine combine) {
#pragma unroll
  for (int d = 16; d > 0; d >>= 1) v = combine(v, shfl_down(v, d));
  return v;
}

// Whole-block reduction; every thread gets the result. `smem` holds at least 32 entries. Begins
// with a barrier so a block can call it repeatedly with the same scratch.
template <typename A, typename Combine>
__device__ A block_reduce(A v, Combine combine, A* smem) {
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  v = warp_reduce(v, combine);
  __syncthreads();
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    A r = smem[0];
    int warps = blockDim.x >> 5;
    for (int w = 1; w < warps; w++) r = combine(r, smem[w]);
    smem[0] = r;
  }
  __syncthreads();
  return smem[0];
}

struct AddOp {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const { return java_max(a, b); }
};
