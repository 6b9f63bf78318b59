// 2-D max and average pooling (io.myelin.backend.Backend#maxPool2d, #avgPool2d and their
// backwards) over contiguous planes of height x width, one thread per element.
//
// Geometry (io.myelin.backend.PoolGeometry): window (oh, ow) covers rows [oh * sh - ph,
// oh * sh - ph + kh) and the matching columns, clipped to the input. Max pooling keeps the first
// maximum in row-major order (a NaN always wins), as PyTorch; the index is h * width + w in the
// plane. Average pooling divides by PyTorch's divisor (window clipped to the padded input when
// count_include_pad, else the real elements); float32 windows are summed in double.
//
// The backwards are gathers (one thread per input element, over the windows that contain it in
// (oh, ow) order): no atomics, deterministic, and the same sums in the same order as the CPU's
// per-plane scatter.
#include "common.cuh"

struct PoolDims {
  int planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad;
};

// First and last window index along one axis whose window [o * s - p, o * s - p + k) holds v.
__device__ __forceinline__ void windows_holding(int v, int k, int s, int p, int out, int* lo,
                                                int* hi) {
  int first = v + p - k + 1;
  *lo = first <= 0 ? 0 : (first + s - 1) / s;
  int last = (v + p) / s;
  *hi = last < out - 1 ? last : out - 1;
}

// Input element idx of the planes seen by a backward gather: its plane, its index in the plane,
// and the output windows [oh0, oh1] x [ow0, ow1] that hold it (empty when oh0 > oh1 or ow0 > ow1).
struct InputTaps {
  unsigned plane;
  int flat, oh0, oh1, ow0, ow1;
};

__device__ __forceinline__ InputTaps input_taps(PoolDims d, unsigned idx, unsigned in_plane) {
  InputTaps t;
  t.plane = idx / in_plane;
  t.flat = (int)(idx - t.plane * in_plane);
  windows_holding(t.flat / d.width, d.kh, d.sh, d.ph, d.out_h, &t.oh0, &t.oh1);
  windows_holding(t.flat % d.width, d.kw, d.sw, d.pw, d.out_w, &t.ow0, &t.ow1);
  return t;
}

__device__ __forceinline__ int avg_divisor(PoolDims d, int oh, int ow) {
  int h0 = oh * d.sh - d.ph, w0 = ow * d.sw - d.pw;
  int h1 = min(h0 + d.kh, d.height + d.ph), w1 = min(w0 + d.kw, d.width + d.pw);
  int padded = (h1 - h0) * (w1 - w0);
  if (d.count_include_pad) return padded;
  h0 = max(h0, 0);
  w0 = max(w0, 0);
  h1 = min(h1, d.height);
  w1 = min(w1, d.width);
  return (h1 - h0) * (w1 - w0);
}

template <typename T>
__device__ void max_pool2d(PoolDims d, const T* x, T* y, int* indices) {
  unsigned out_plane = (unsigned)d.out_h * d.out_w;
  long long n_total = (long long)d.planes * out_plane;
  GRID_STRIDE_LOOP(e, n_total) {
    unsigned idx = (unsigned)e;
    unsigned p = idx / out_plane;
    unsigned o = idx - p * out_plane;
    int oh = (int)(o / d.out_w), ow = (int)(o % d.out_w);
    int h0 = oh * d.sh - d.ph, w0 = ow * d.sw - d.pw;
    int h1 = min(h0 + d.kh, d.height), w1 = min(w0 + d.kw, d.width);
    h0 = max(h0, 0);
    w0 = max(w0, 0);
    const T* plane = x + (size_t)p * d.height * d.width;
    int best = h0 * d.width + w0;
    T m = T(-INFINITY);
    for (int h = h0; h < h1; h++) {
      for (int w = w0; w < w1; w++) {
        T v = plane[h * d.width + w];
        if (v > m || isnan(v)) {
          m = v;
          best = h * d.width + w;
        }
      }
    }
    y[idx] = m;
    indices[idx] = best;
  }
}

template <typename T>
__device__ void max_pool2d_bwd(PoolDims d, const T* gy, const int* indices, T* gx) {
  unsigned in_plane = (unsigned)d.height * d.width;
  unsigned out_plane = (unsigned)d.out_h * d.out_w;
  long long n_total = (long long)d.planes * in_plane;
  GRID_STRIDE_LOOP(e, n_total) {
    unsigned idx = (unsigned)e;
    InputTaps t = input_taps(d, idx, in_plane);
    const T* g = gy + (size_t)t.plane * out_plane;
    const int* ix = indices + (size_t)t.plane * out_plane;
    T sum = T(0);
    for (int oh = t.oh0; oh <= t.oh1; oh++) {
      for (int ow = t.ow0; ow <= t.ow1; ow++) {
        int o = oh * d.out_w + ow;
        if (ix[o] == t.flat) sum += g[o];
      }
    }
    gx[idx] = sum;
  }
}

template <typename T>
__device__ void avg_pool2d(PoolDims d, const T* x, T* y) {
  unsigned out_plane = (unsigned)d.out_h * d.out_w;
  long long n_total = (long long)d.planes * out_plane;
  GRID_STRIDE_LOOP(e, n_total) {
    unsigned idx = (unsigned)e;
    unsigned p = idx / out_plane;
    unsigned o = idx - p * out_plane;
    int oh = (int)(o / d.out_w), ow = (int)(o % d.out_w);
    int h0 = max(oh * d.sh - d.ph, 0), w0 = max(ow * d.sw - d.pw, 0);
    int h1 = min(oh * d.sh - d.ph + d.kh, d.height), w1 = min(ow * d.sw - d.pw + d.kw, d.width);
    const T* plane = x + (size_t)p * d.height * d.width;
    double sum = 0;
    for (int h = h0; h < h1; h++) {
      for (int w = w0; w < w1; w++) sum += (double)plane[h * d.width + w];
    }
    y[idx] = (T)(sum / (double)avg_divisor(d, oh, ow));
  }
}

template <typename T>
__device__ void avg_pool2d_bwd(PoolDims d, const T* gy, T* gx) {
  unsigned in_plane = (unsigned)d.height * d.width;
  unsigned out_plane = (unsigned)d.out_h * d.out_w;
  long long n_total = (long long)d.planes * in_plane;
  GRID_STRIDE_LOOP(e, n_total) {
    unsigned idx = (unsigned)e;
    InputTaps t = input_taps(d, idx, in_plane);
    const T* g = gy + (size_t)t.plane * out_plane;
    T sum = T(0);
    for (int oh = t.oh0; oh <= t.oh1; oh++) {
      for (int ow = t.ow0; ow <= t.ow1; ow++) {
        sum += (T)((double)g[oh * d.out_w + ow] / (double)avg_divisor(d, oh, ow));
      }
    }
    gx[idx] = sum;
  }
}

extern "C" __global__ void max_pool2d_f32(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const float* x, float* y, int* indices) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  max_pool2d<float>(d, x, y, indices);
}

extern "C" __global__ void max_pool2d_f64(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const double* x, double* y, int* indices) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  max_pool2d<double>(d, x, y, indices);
}

extern "C" __global__ void max_pool2d_bwd_f32(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const float* gy, const int* indices, float* gx) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  max_pool2d_bwd<float>(d, gy, indices, gx);
}

extern "C" __global__ void max_pool2d_bwd_f64(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const double* gy, const int* indices, double* gx) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  max_pool2d_bwd<double>(d, gy, indices, gx);
}

extern "C" __global__ void avg_pool2d_f32(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const float* x, float* y) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  avg_pool2d<float>(d, x, y);
}

extern "C" __global__ void avg_pool2d_f64(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const double* x, double* y) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  avg_pool2d<double>(d, x, y);
}

extern "C" __global__ void avg_pool2d_bwd_f32(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const float* gy, float* gx) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  avg_pool2d_bwd<float>(d, gy, gx);
}

extern "C" __global__ void avg_pool2d_bwd_f64(
    int planes, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int out_h,
    int out_w, int count_include_pad, const double* gy, double* gx) {
  PoolDims d = {planes, height, width, kh, kw, sh, sw, ph, pw, out_h, out_w, count_include_pad};
  avg_pool2d_bwd<double>(d, gy, gx);
}
