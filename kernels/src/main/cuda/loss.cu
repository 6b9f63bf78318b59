// Fused softmax + cross-entropy (io.myelin.backend.Backend#crossEntropy and its backward).
//
// One block per row (grid-stride over rows): a max pass, then one pass that sums exp(x - max)
// together with the weighted sums the loss needs, all with block_reduce trees (fixed shape, so
// deterministic). log p_j is formed as (x_j - max) - log(sum): never x_j - lse, which would round
// lse at the magnitude of the logits. Targets are either int32 class indices (`labels`) or
// probabilities (`probs`); exactly one pointer is non-null. `weight` may be null (all ones).
//
// The reduced total is a second, single-block launch over the per-row losses and denominators
// (ce_total), summing in a fixed order: no atomics anywhere.
#include "common.cuh"

template <typename T>
__device__ __forceinline__ T class_weight(const T* weight, int c) {
  return weight ? weight[c] : T(1);
}

// Row statistics shared by forward and backward: max, log(sum exp(x - max)), and the sums
// sw = sum_c w[c] t'[c] (probabilities) or sum_c w[c] (indices), swx = the same weights times
// (x_c - max).
template <typename T>
struct RowStats {
  T max, log_sum, sw, swx;
};

template <typename T>
__device__ RowStats<T> row_stats(const T* xr, const T* tr, const T* weight, int classes, T e,
                                 T* smem) {
  T m = -INFINITY;
  for (int j = threadIdx.x; j < classes; j += blockDim.x) m = java_max(m, xr[j]);
  m = block_reduce(m, MaxOp(), smem);
  T s = T(0), sw = T(0), swx = T(0);
  T uniform_share = e / T(classes);
  for (int j = threadIdx.x; j < classes; j += blockDim.x) {
    T d = xr[j] - m;
    s += exp(d);
    T wj = class_weight(weight, j);
    if (tr) wj *= (T(1) - e) * tr[j] + uniform_share;
    sw += wj;
    swx += wj * d;
  }
  s = block_reduce(s, AddOp(), smem);
  sw = block_reduce(sw, AddOp(), smem);
  swx = block_reduce(swx, AddOp(), smem);
  return RowStats<T>{m, log(s), sw, swx};
}

template <typename T>
__device__ void ce_forward(int rows, int classes, const T* x, const int* labels, const T* probs,
                           const T* weight, int ignore, T e, T* loss, T* den) {
  __shared__ T smem[32];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + (size_t)r * classes;
    const T* tr = probs ? probs + (size_t)r * classes : nullptr;
    int y = labels ? labels[r] : 0;
    RowStats<T> st = row_stats(xr, tr, weight, classes, e, smem);
    if (threadIdx.x != 0) continue;
    T l, d;
    if (tr) {
      // -sum_c w t' logp = -(swx - sw * log_sum)
      l = -(st.swx - st.sw * st.log_sum);
      d = T(1);
    } else if (y == ignore) {
      l = T(0);
      d = T(0);
    } else if (y < 0 || y >= classes) {
      l = T(NAN);
      d = T(0);
    } else {
      T wy = class_weight(weight, y);
      T logp_y = (xr[y] - st.max) - st.log_sum;
      T smooth = -(st.swx - st.sw * st.log_sum);
      l = (T(1) - e) * (-wy * logp_y) + e / T(classes) * smooth;
      d = wy;
    }
    loss[r] = l;
    if (den) den[r] = d;
  }
}

// total[0] = mean ? sum(loss) / sum(den) : sum(loss); total[1] = sum(den). One block; each thread
// sums a fixed strided subset in double, then a fixed tree.
template <typename T>
__device__ void ce_total(int rows, const T* loss, const T* den, int mean, T* total) {
  __shared__ double smem[32];
  double s = 0, d = 0;
  for (int r = threadIdx.x; r < rows; r += blockDim.x) {
    s += (double)loss[r];
    d += (double)den[r];
  }
  s = block_reduce(s, AddOp(), smem);
  d = block_reduce(d, AddOp(), smem);
  if (threadIdx.x == 0) {
    total[0] = (T)(mean ? s / d : s);
    total[1] = (T)d;
  }
}

template <typename T>
__device__ void ce_backward(int rows, int classes, const T* x, const int* labels, const T* probs,
                            const T* weight, int ignore, T e, const T* gout, int per_row,
                            const T* total, T* gx) {
  __shared__ T smem[32];
  T inv_den = total ? T(1) / total[1] : T(1);
  T share = e / T(classes);
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + (size_t)r * classes;
    const T* tr = probs ? probs + (size_t)r * classes : nullptr;
    T* gr = gx + (size_t)r * classes;
    int y = labels ? labels[r] : 0;
    if (!tr && (y == ignore || y < 0 || y >= classes)) {
      T v = y == ignore ? T(0) : T(NAN);
      for (int j = threadIdx.x; j < classes; j += blockDim.x) gr[j] = v;
      continue;  // uniform per block: every thread of the block takes this branch
    }
    RowStats<T> st = row_stats(xr, tr, weight, classes, e, smem);
    T g = gout[per_row ? r : 0] * inv_den;
    if (tr) {
      for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        T p = exp((xr[j] - st.max) - st.log_sum);
        T tj = (T(1) - e) * tr[j] + share;
        gr[j] = g * (p * st.sw - class_weight(weight, j) * tj);
      }
    } else {
      T wy = class_weight(weight, y);
      T coef = (T(1) - e) * wy + share * st.sw;
      for (int j = threadIdx.x; j < classes; j += blockDim.x) {
        T p = exp((xr[j] - st.max) - st.log_sum);
        T v = p * coef - share * class_weight(weight, j);
        if (j == y) v -= (T(1) - e) * wy;
        gr[j] = g * v;
      }
    }
  }
}

#define MYELIN_DEFINE_LOSS(dn, T)                                                                  \
  extern "C" __global__ void ce_forward_##dn(int rows, int classes, const T* x, const int* labels, \
                                             const T* probs, const T* weight, int ignore, T e,     \
                                             T* loss, T* den) {                                    \
    ce_forward<T>(rows, classes, x, labels, probs, weight, ignore, e, loss, den);                  \
  }                                                                                                \
  extern "C" __global__ void ce_total_##dn(int rows, const T* loss, const T* den, int mean,        \
                                           T* total) {                                             \
    ce_total<T>(rows, loss, den, mean, total);                                                     \
  }                                                                                                \
  extern "C" __global__ void ce_backward_##dn(int rows, int classes, const T* x,                   \
                                              const int* labels, const T* probs, const T* weight,  \
                                              int ignore, T e, const T* gout, int per_row,         \
                                              const T* total, T* gx) {                             \
    ce_backward<T>(rows, classes, x, labels, probs, weight, ignore, e, gout, per_row, total, gx);  \
  }

MYELIN_DEFINE_LOSS(f32, float)
MYELIN_DEFINE_LOSS(f64, double)
