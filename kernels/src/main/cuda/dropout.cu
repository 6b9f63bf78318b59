// Inverted dropout (io.myelin.backend.Backend#dropout and its backward): y_i = x_i * m_i with
// m_i = (u_i >= p) ? scale : 0, u_i the Philox uniform of element i exactly as random.cu's
// uniform fill in [0, 1) writes it (lane i % 4 of block counter + i / 4), so a seed drops the same
// units as the CPU backend. p and scale arrive rounded to T; u_i is exact in T (24-bit mantissa
// words). One thread per Philox block of four elements; the backward is the same kernel on the
// upstream gradient (the mask is regenerated, never stored). In place (y == x) is allowed.
#include "common.cuh"
#include "philox.cuh"

template <typename T>
__device__ void dropout_apply(long long n, unsigned long long seed, unsigned long long counter,
                              T p, T scale, const T* x, T* y) {
  long long blocks = (n + 3) / 4;
  GRID_STRIDE_LOOP(j, blocks) {
    uint4 w = philox4x32_10(counter + (unsigned long long)j, seed);
    unsigned words[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
    for (int lane = 0; lane < 4; lane++) {
      long long i = j * 4 + lane;
      if (i < n) {
        T u = (T)unit_uniform(words[lane]);
        y[i] = x[i] * (u >= p ? scale : T(0));
      }
    }
  }
}

#define MYELIN_DEFINE_DROPOUT(dn, T)                                                               \
  extern "C" __global__ void dropout_##dn(long long n, unsigned long long seed,                    \
                                          unsigned long long counter, T p, T scale, const T* x,    \
                                          T* y) {                                                  \
    dropout_apply<T>(n, seed, counter, p, scale, x, y);                                            \
  }

MYELIN_DEFINE_DROPOUT(f32, float)
MYELIN_DEFINE_DROPOUT(f64, double)

// The same with the Philox block counter read from device memory when the kernel runs
// (Backend#dropoutCounted): counter = (unsigned long long)cell[0] + add. A captured training step
// writes the generator's position into cell before each replay, so every replay draws a fresh
// mask, the one the eager step would have drawn.
#define MYELIN_DEFINE_DROPOUT_COUNTED(dn, T)                                                       \
  extern "C" __global__ void dropout_counted_##dn(long long n, unsigned long long seed,            \
                                                  const double* cell, unsigned long long add,      \
                                                  T p, T scale, const T* x, T* y) {                \
    dropout_apply<T>(n, seed, (unsigned long long)cell[0] + add, p, scale, x, y);                  \
  }

MYELIN_DEFINE_DROPOUT_COUNTED(f32, float)
MYELIN_DEFINE_DROPOUT_COUNTED(f64, double)
