// Convolution lowering (io.myelin.backend.Backend#im2col / #col2im), one thread per element.
//
// Geometry (io.myelin.backend.ConvGeometry): images of channels x height x width, a kernel of
// kh x kw taps spaced by the dilation (dh, dw), stride (sh, sw), leading padding (ph, pw), output
// out_h x out_w. The column matrix is [channels * kh * kw][images * out_h * out_w]:
//   cols[(c * kh + i) * kw + j][n * out_h * out_w + oh * out_w + ow]
//       = x[n][c][oh * sh - ph + i * dh][ow * sw - pw + j * dw]   (0 outside the image)
//
// col2im is the adjoint written as a gather: each input element sums the column entries that
// read it, over the taps in (i, j) order, and overwrites x. No atomics, so the result is
// deterministic and equal to the CPU's per-plane accumulation in the same order.
#include "common.cuh"

struct ConvDims {
  int images, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w;
};

template <typename T>
__device__ void im2col(ConvDims d, const T* x, T* cols) {
  unsigned plane = (unsigned)d.out_h * d.out_w;
  unsigned row_len = plane * d.images;
  long long n_total = (long long)d.channels * d.kh * d.kw * row_len;
  GRID_STRIDE_LOOP(e, n_total) {
    unsigned idx = (unsigned)e;
    unsigned r = idx / row_len;
    unsigned col = idx - r * row_len;
    unsigned n = col / plane;
    unsigned p = col - n * plane;
    int oh = (int)(p / d.out_w);
    int ow = (int)(p - (unsigned)oh * d.out_w);
    int j = (int)(r % d.kw);
    int i = (int)(r / d.kw % d.kh);
    int c = (int)(r / (d.kw * d.kh));
    int h = oh * d.sh - d.ph + i * d.dh;
    int w = ow * d.sw - d.pw + j * d.dw;
    T v = T(0);
    if (h >= 0 && h < d.height && w >= 0 && w < d.width) {
      v = x[(((unsigned)n * d.channels + c) * d.height + h) * (unsigned)d.width + w];
    }
    cols[idx] = v;
  }
}

// Output positions o in [lo, hi] whose window starting at o * s - p + t * dil covers index v for
// tap t: o * s = v + p - t * dil must be a non-negative multiple of s below out.
__device__ __forceinline__ int tap_source(int v, int p, int t, int dil, int s, int out) {
  int q = v + p - t * dil;
  if (q < 0 || q % s != 0) return -1;
  q /= s;
  return q < out ? q : -1;
}

template <typename T>
__device__ void col2im(ConvDims d, const T* cols, T* x) {
  unsigned plane = (unsigned)d.out_h * d.out_w;
  unsigned row_len = plane * d.images;
  long long n_total = (long long)d.images * d.channels * d.height * d.width;
  GRID_STRIDE_LOOP(e, n_total) {
    unsigned idx = (unsigned)e;
    int w = (int)(idx % d.width);
    unsigned t = idx / d.width;
    int h = (int)(t % d.height);
    t /= d.height;
    int c = (int)(t % d.channels);
    unsigned n = t / d.channels;
    T sum = T(0);
    for (int i = 0; i < d.kh; i++) {
      int oh = tap_source(h, d.ph, i, d.dh, d.sh, d.out_h);
      if (oh < 0) continue;
      for (int j = 0; j < d.kw; j++) {
        int ow = tap_source(w, d.pw, j, d.dw, d.sw, d.out_w);
        if (ow < 0) continue;
        unsigned r = ((unsigned)c * d.kh + i) * d.kw + j;
        sum += cols[r * row_len + n * plane + (unsigned)oh * d.out_w + ow];
      }
    }
    x[idx] = sum;
  }
}

extern "C" __global__ void im2col_f32(
    int images, int channels, int height, int width, int kh, int kw, int sh, int sw,
    int ph, int pw, int dh, int dw, int out_h, int out_w,
    const float* x, float* cols) {
  ConvDims d = {images, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w};
  im2col<float>(d, x, cols);
}

extern "C" __global__ void im2col_f64(
    int images, int channels, int height, int width, int kh, int kw, int sh, int sw,
    int ph, int pw, int dh, int dw, int out_h, int out_w,
    const double* x, double* cols) {
  ConvDims d = {images, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w};
  im2col<double>(d, x, cols);
}

extern "C" __global__ void col2im_f32(
    int images, int channels, int height, int width, int kh, int kw, int sh, int sw,
    int ph, int pw, int dh, int dw, int out_h, int out_w,
    const float* cols, float* x) {
  ConvDims d = {images, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w};
  col2im<float>(d, cols, x);
}

extern "C" __global__ void col2im_f64(
    int images, int channels, int height, int width, int kh, int kw, int sh, int sw,
    int ph, int pw, int dh, int dw, int out_h, int out_w,
    const double* cols, double* x) {
  ConvDims d = {images, channels, height, width, kh, kw, sh, sw, ph, pw, dh, dw, out_h, out_w};
  col2im<double>(d, cols, x);
}
