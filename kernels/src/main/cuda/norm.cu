// Batch norm and layer norm, forward and backward (io.myelin.backend.Backend#batchNorm ...).
//
// Statistics accumulate in double whatever T (a float32 mean of large values with a tiny spread
// would otherwise lose the spread), two-pass: the mean, then the centred squares. Every sum is a
// per-thread loop over a fixed strided subset followed by a block_reduce tree, so results are
// deterministic; no atomics anywhere.
//
// Batch norm sees x as [batch, channels, spatial]; element e of channel c (e < m = batch *
// spatial) sits at ((e / spatial) * channels + c) * spatial + e % spatial. The training forward
// and the backward run one block per channel (grid-stride over channels); the running-statistics
// update happens in the same launch. Inference is element-wise.
#include "common.cuh"

__device__ __forceinline__ size_t bn_index(int e, int c, int channels, int spatial) {
  if (spatial == 1) return (size_t)e * channels + c;
  int i = e / spatial;
  return ((size_t)i * channels + c) * spatial + (e - i * spatial);
}

template <typename T>
__device__ void bn_forward_train(int batch, int channels, int spatial, const T* x, const T* gamma,
                                 const T* beta, T* run_mean, T* run_var, double momentum,
                                 double eps, T* save_mean, T* save_istd, T* y) {
  __shared__ double smem[32];
  int m = batch * spatial;
  for (int c = blockIdx.x; c < channels; c += gridDim.x) {
    double s = 0;
    for (int e = threadIdx.x; e < m; e += blockDim.x) s += (double)x[bn_index(e, c, channels, spatial)];
    double mean = block_reduce(s, AddOp(), smem) / m;
    double q = 0;
    for (int e = threadIdx.x; e < m; e += blockDim.x) {
      double d = (double)x[bn_index(e, c, channels, spatial)] - mean;
      q += d * d;
    }
    double var = block_reduce(q, AddOp(), smem) / m;
    double istd = 1.0 / sqrt(var + eps);
    if (threadIdx.x == 0) {
      if (run_mean) {
        double unbiased = m > 1 ? var * m / (m - 1.0) : var;
        run_mean[c] = (T)((1 - momentum) * (double)run_mean[c] + momentum * mean);
        run_var[c] = (T)((1 - momentum) * (double)run_var[c] + momentum * unbiased);
      }
      if (save_mean) save_mean[c] = (T)mean;
      if (save_istd) save_istd[c] = (T)istd;
    }
    double scale = istd * (gamma ? (double)gamma[c] : 1.0);
    double shift = beta ? (double)beta[c] : 0.0;
    for (int e = threadIdx.x; e < m; e += blockDim.x) {
      size_t k = bn_index(e, c, channels, spatial);
      y[k] = (T)(((double)x[k] - mean) * scale + shift);
    }
  }
}

template <typename T>
__device__ void bn_forward_infer(int batch, int channels, int spatial, const T* x, const T* gamma,
                                 const T* beta, const T* run_mean, const T* run_var, double eps,
                                 T* save_mean, T* save_istd, T* y) {
  long long n = (long long)batch * channels * spatial;
  if (blockIdx.x == 0) {
    for (int c = threadIdx.x; c < channels; c += blockDim.x) {
      if (save_mean) save_mean[c] = run_mean[c];
      if (save_istd) save_istd[c] = (T)(1.0 / sqrt((double)run_var[c] + eps));
    }
  }
  GRID_STRIDE_LOOP(k, n) {
    int c = (int)((k / spatial) % channels);
    double istd = 1.0 / sqrt((double)run_var[c] + eps);
    double scale = istd * (gamma ? (double)gamma[c] : 1.0);
    double shift = beta ? (double)beta[c] : 0.0;
    y[k] = (T)(((double)x[k] - (double)run_mean[c]) * scale + shift);
  }
}

// training: gx = gamma * istd / m * (m * gy - sum(gy) - xhat * sum(gy * xhat));
// inference: gx = gamma * istd * gy.  ggamma = sum(gy * xhat), gbeta = sum(gy).
template <typename T>
__device__ void bn_backward(int batch, int channels, int spatial, int training, const T* x,
                            const T* gy, const T* gamma, const T* save_mean, const T* save_istd,
                            T* gx, T* ggamma, T* gbeta) {
  __shared__ double smem[32];
  int m = batch * spatial;
  for (int c = blockIdx.x; c < channels; c += gridDim.x) {
    double mean = (double)save_mean[c];
    double istd = (double)save_istd[c];
    double sg = 0, sgx = 0;
    for (int e = threadIdx.x; e < m; e += blockDim.x) {
      size_t k = bn_index(e, c, channels, spatial);
      double g = (double)gy[k];
      sg += g;
      sgx += g * ((double)x[k] - mean) * istd;
    }
    sg = block_reduce(sg, AddOp(), smem);
    sgx = block_reduce(sgx, AddOp(), smem);
    if (threadIdx.x == 0) {
      if (ggamma) ggamma[c] = (T)sgx;
      if (gbeta) gbeta[c] = (T)sg;
    }
    if (!gx) continue;
    double k0 = (gamma ? (double)gamma[c] : 1.0) * istd;
    for (int e = threadIdx.x; e < m; e += blockDim.x) {
      size_t k = bn_index(e, c, channels, spatial);
      double g = (double)gy[k];
      if (training) {
        double xhat = ((double)x[k] - mean) * istd;
        gx[k] = (T)(k0 / m * (m * g - sg - xhat * sgx));
      } else {
        gx[k] = (T)(k0 * g);
      }
    }
  }
}

// ---- layer norm: one block per row --------------------------------------------------------

template <typename T>
__device__ void ln_forward(int rows, int cols, double eps, const T* x, const T* gamma,
                           const T* beta, T* save_mean, T* save_istd, T* y) {
  __shared__ double smem[32];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + (size_t)r * cols;
    T* yr = y + (size_t)r * cols;
    double s = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += (double)xr[j];
    double mean = block_reduce(s, AddOp(), smem) / cols;
    double q = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
      double d = (double)xr[j] - mean;
      q += d * d;
    }
    double istd = 1.0 / sqrt(block_reduce(q, AddOp(), smem) / cols + eps);
    if (threadIdx.x == 0) {
      if (save_mean) save_mean[r] = (T)mean;
      if (save_istd) save_istd[r] = (T)istd;
    }
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
      double v = ((double)xr[j] - mean) * istd;
      if (gamma) v = v * (double)gamma[j] + (double)beta[j];
      yr[j] = (T)v;
    }
  }
}

// gx = istd / cols * (cols * h - sum(h) - xhat * sum(h * xhat)), h = gy * gamma.
template <typename T>
__device__ void ln_backward_rows(int rows, int cols, const T* x, const T* gy, const T* gamma,
                                 const T* save_mean, const T* save_istd, T* gx) {
  __shared__ double smem[32];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    size_t base = (size_t)r * cols;
    double mean = (double)save_mean[r];
    double istd = (double)save_istd[r];
    double sh = 0, shx = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
      double h = (double)gy[base + j] * (gamma ? (double)gamma[j] : 1.0);
      sh += h;
      shx += h * ((double)x[base + j] - mean) * istd;
    }
    sh = block_reduce(sh, AddOp(), smem);
    shx = block_reduce(shx, AddOp(), smem);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
      double h = (double)gy[base + j] * (gamma ? (double)gamma[j] : 1.0);
      double xhat = ((double)x[base + j] - mean) * istd;
      gx[base + j] = (T)(istd / cols * (cols * h - sh - xhat * shx));
    }
  }
}

// ggamma[j] = sum_r gy[r, j] xhat[r, j], gbeta[j] = sum_r gy[r, j]: 32 x 8 blocks, each over a
// tile of 32 columns (coalesced), the 8 row lanes combined in a fixed order through shared memory.
template <typename T>
__device__ void ln_backward_cols(int rows, int cols, const T* x, const T* gy, const T* save_mean,
                                 const T* save_istd, T* ggamma, T* gbeta) {
  __shared__ double sg[8][33];
  __shared__ double sb[8][33];
  int tiles = (cols + 31) / 32;
  for (int t = blockIdx.x; t < tiles; t += gridDim.x) {
    int j = t * 32 + threadIdx.x;
    double a = 0, b = 0;
    if (j < cols) {
      for (int r = threadIdx.y; r < rows; r += blockDim.y) {
        size_t k = (size_t)r * cols + j;
        double g = (double)gy[k];
        a += g * ((double)x[k] - (double)save_mean[r]) * (double)save_istd[r];
        b += g;
      }
    }
    sg[threadIdx.y][threadIdx.x] = a;
    sb[threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0 && j < cols) {
      for (int w = 1; w < blockDim.y; w++) {
        a += sg[w][threadIdx.x];
        b += sb[w][threadIdx.x];
      }
      if (ggamma) ggamma[j] = (T)a;
      if (gbeta) gbeta[j] = (T)b;
    }
    __syncthreads();
  }
}

#define MYELIN_DEFINE_NORM(dn, T)                                                                  \
  extern "C" __global__ void bn_forward_train_##dn(int batch, int channels, int spatial,           \
                                                   const T* x, const T* gamma, const T* beta,      \
                                                   T* run_mean, T* run_var, double momentum,       \
                                                   double eps, T* save_mean, T* save_istd, T* y) { \
    bn_forward_train<T>(batch, channels, spatial, x, gamma, beta, run_mean, run_var, momentum,     \
                        eps, save_mean, save_istd, y);                                             \
  }                                                                                                \
  extern "C" __global__ void bn_forward_infer_##dn(int batch, int channels, int spatial,           \
                                                   const T* x, const T* gamma, const T* beta,      \
                                                   const T* run_mean, const T* run_var,            \
                                                   double eps, T* save_mean, T* save_istd, T* y) { \
    bn_forward_infer<T>(batch, channels, spatial, x, gamma, beta, run_mean, run_var, eps,          \
                        save_mean, save_istd, y);                                                  \
  }                                                                                                \
  extern "C" __global__ void bn_backward_##dn(int batch, int channels, int spatial, int training,  \
                                              const T* x, const T* gy, const T* gamma,             \
                                              const T* save_mean, const T* save_istd, T* gx,       \
                                              T* ggamma, T* gbeta) {                               \
    bn_backward<T>(batch, channels, spatial, training, x, gy, gamma, save_mean, save_istd, gx,     \
                   ggamma, gbeta);                                                                 \
  }                                                                                                \
  extern "C" __global__ void ln_forward_##dn(int rows, int cols, double eps, const T* x,           \
                                             const T* gamma, const T* beta, T* save_mean,          \
                                             T* save_istd, T* y) {                                 \
    ln_forward<T>(rows, cols, eps, x, gamma, beta, save_mean, save_istd, y);                       \
  }                                                                                                \
  extern "C" __global__ void ln_backward_rows_##dn(int rows, int cols, const T* x, const T* gy,    \
                                                   const T* gamma, const T* save_mean,             \
                                                   const T* save_istd, T* gx) {                    \
    ln_backward_rows<T>(rows, cols, x, gy, gamma, save_mean, save_istd, gx);                       \
  }                                                                                                \
  extern "C" __global__ void ln_backward_cols_##dn(int rows, int cols, const T* x, const T* gy,    \
                                                   const T* save_mean, const T* save_istd,         \
                                                   T* ggamma, T* gbeta) {                          \
    ln_backward_cols<T>(rows, cols, x, gy, save_mean, save_istd, ggamma, gbeta);                   \
  }

MYELIN_DEFINE_NORM(f32, float)
MYELIN_DEFINE_NORM(f64, double)
