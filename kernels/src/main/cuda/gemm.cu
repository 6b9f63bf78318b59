// The built-in GEMMs used when no cuBLAS library can be loaded (and for the fused
// bias + activation epilogue): float32 runs sgemm_tiled_f32 (128 x 128 block tiles, 8 x 8 outputs
// per thread in registers, double-buffered shared memory); float64 keeps the plain 16 x 16 tiled
// kernel, one output per thread. Both accept every layout the SPI allows (transposes and batch
// strides, including 0).
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
      // alpha == 0 skips the product (NaN/Inf in A or B must not reach C, as in cuBLAS);
      // beta == 0 must not read C: NaN there must not propagate (SPI contract).
      T v = alpha == T(0) ? T(0) : alpha * acc;
      *cp = beta == T(0) ? v : v + beta * *cp;
    }
  }
}

extern "C" __global__ void gemm_tiled_f64(int batch, int m, int n, int k, double alpha, const double* a,
                                          int a_row, int a_col, long long a_batch, const double* b,
                                          int b_row, int b_col, long long b_batch, double beta,
                                          double* c, int ldc, long long c_batch) {
  gemm_tiled<double>(batch, m, n, k, alpha, a, a_row, a_col, a_batch, b, b_row, b_col, b_batch, beta,
                     c, ldc, c_batch);
}

// ---- float32: register-blocked, double-buffered ----------------------------------------------
//
// 256 threads as 16 x 16; thread (ty, tx) owns rows ty*8..ty*8+7 and columns tx*8..tx*8+7 of the
// block's 128 x 128 tile, accumulating in 64 registers. Each step stages a 128 x 8 slice of op(A)
// (stored k-major, As[k][m], so the inner loop reads 8 consecutive floats of a column) and an
// 8 x 128 slice of op(B) in shared memory. While the block multiplies slice t out of one buffer,
// each thread already holds slice t + 1 in registers (loaded from global memory before the
// multiply, so the loads' latency hides behind it) and stores it into the other buffer after: one
// barrier per step. Edges are zero-filled, so any m, n, k works.
//
// Epilogue, per output: v = alpha * acc (0 when alpha == 0, whatever A and B hold) (+ beta * C when beta != 0; C is not read otherwise)
// (+ bias[j] when bias is non-null), then act: 0 none, 1 relu, 2 gelu (erf), 3 tanh, 4 sigmoid.
#define SG_BM 128
#define SG_BN 128
#define SG_BK 8

__device__ __forceinline__ float sgemm_activation(float v, int act) {
  switch (act) {
    case 1: return v > 0.f ? v : 0.f;
    // erf, not common.cuh's erfc form: inlined into every variant of this kernel, erfcf made
    // ptxas run for over 6 minutes on sm_90 (erf: seconds). The epilogue is a float32 forward,
    // where 1 + erf's lost lower tail (Phi(x) < ~1e-8) is below the result's resolution.
    case 2: return 0.5f * (1.f + erff(v * 0.70710678118654752440f)) * v;
    case 3: return tanhf(v);
    case 4: return sigmoid(v);
    default: return v;
  }
}

extern "C" __global__ void __launch_bounds__(256)
sgemm_tiled_f32(int batch, int m, int n, int k, float alpha, const float* a, int a_row, int a_col,
                long long a_batch, const float* b, int b_row, int b_col, long long b_batch,
                float beta, float* c, int ldc, long long c_batch, const float* bias, int act) {
  __shared__ __align__(16) float As[2][SG_BK][SG_BM];
  __shared__ __align__(16) float Bs[2][SG_BK][SG_BN];
  const int tid = threadIdx.x;
  const int tx = tid & 15, ty = tid >> 4;
  const int row0 = blockIdx.y * SG_BM, col0 = blockIdx.x * SG_BN;
  // Staging coordinates: A slice row ar, columns ac..ac+3; B slice row br, columns bc..bc+3.
  const int ar = tid >> 1, ac = (tid & 1) * 4;
  const int br = tid >> 5, bc = (tid & 31) * 4;
  for (int z = blockIdx.z; z < batch; z += gridDim.z) {  // uniform per block: barriers are safe
    const float* az = a + z * a_batch;
    const float* bz = b + z * b_batch;
    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
      for (int j = 0; j < 8; j++) acc[i][j] = 0.f;
    float ra[4], rb[4];
    auto load = [&](int t) {
      int gr = row0 + ar;
#pragma unroll
      for (int i = 0; i < 4; i++) {
        int kk = t + ac + i;
        ra[i] = (gr < m && kk < k) ? az[(size_t)gr * a_row + (size_t)kk * a_col] : 0.f;
      }
      int kb = t + br;
#pragma unroll
      for (int i = 0; i < 4; i++) {
        int gc = col0 + bc + i;
        rb[i] = (kb < k && gc < n) ? bz[(size_t)kb * b_row + (size_t)gc * b_col] : 0.f;
      }
    };
    auto store = [&](int buf) {
#pragma unroll
      for (int i = 0; i < 4; i++) As[buf][ac + i][ar] = ra[i];
      *reinterpret_cast<float4*>(&Bs[buf][br][bc]) = make_float4(rb[0], rb[1], rb[2], rb[3]);
    };
    __syncthreads();  // the previous batch entry's last multiply is done with both buffers
    load(0);
    store(0);
    __syncthreads();
    int buf = 0;
    for (int t = 0; t < k; t += SG_BK) {
      bool more = t + SG_BK < k;
      if (more) load(t + SG_BK);
#pragma unroll
      for (int q = 0; q < SG_BK; q++) {
        float4 a0 = *reinterpret_cast<const float4*>(&As[buf][q][ty * 8]);
        float4 a1 = *reinterpret_cast<const float4*>(&As[buf][q][ty * 8 + 4]);
        float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][q][tx * 8]);
        float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][q][tx * 8 + 4]);
        float fa[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
        float fb[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
        for (int i = 0; i < 8; i++)
#pragma unroll
          for (int j = 0; j < 8; j++) acc[i][j] = fmaf(fa[i], fb[j], acc[i][j]);
      }
      if (more) store(buf ^ 1);
      __syncthreads();
      buf ^= 1;
    }
    float* cz = c + z * c_batch;
#pragma unroll
    for (int i = 0; i < 8; i++) {
      int r = row0 + ty * 8 + i;
      if (r >= m) continue;
#pragma unroll
      for (int j = 0; j < 8; j++) {
        int cc = col0 + tx * 8 + j;
        if (cc >= n) continue;
        float* cp = cz + (size_t)r * ldc + cc;
        float v = alpha == 0.f ? 0.f : alpha * acc[i][j];  // alpha == 0 skips A * B (cuBLAS)
        if (beta != 0.f) v += beta * *cp;
        if (bias) v += bias[cc];
        *cp = sgemm_activation(v, act);
      }
    }
  }
}
