// Philox4x32-10 random fills with exactly the stream layout of io.myelin.backend.Philox: element
// i of a fill uses block counter c + i / 4 (64-bit), lane i % 4, key = seed. One thread per
// block of four elements.
//
// Raw words and uniforms are bit-identical to the Java reference: the uniform transform is done
// in double with explicitly rounded operations (__dmul_rn / __dadd_rn) because nvcc would
// otherwise contract low + (high - low) * u into an FMA, which rounds once instead of twice.
// Normals use the device's log/sqrt/sin/cos, which are within 1-2 ulp of Java's, so they agree
// to tolerance, not bitwise.
#include "common.cuh"

#include "philox.cuh"

template <typename T>
__device__ __forceinline__ void uniform_fill(T* out, long long n, unsigned long long seed,
                                             unsigned long long counter, double low, double high) {
  long long blocks = (n + 3) / 4;
  double span = high - low;
  GRID_STRIDE_LOOP(j, blocks) {
    uint4 w = philox4x32_10(counter + (unsigned long long)j, seed);
    unsigned words[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
    for (int lane = 0; lane < 4; lane++) {
      long long i = j * 4 + lane;
      if (i < n) out[i] = (T)__dadd_rn(low, __dmul_rn(span, unit_uniform(words[lane])));
    }
  }
}

// Box-Muller on lane pairs (0, 1) and (2, 3), in double, then rounded to T.
template <typename T>
__device__ __forceinline__ void normal_fill(T* out, long long n, unsigned long long seed,
                                            unsigned long long counter, double mean, double std) {
  long long blocks = (n + 3) / 4;
  const double two_pi = 2.0 * 3.14159265358979323846;
  GRID_STRIDE_LOOP(j, blocks) {
    uint4 w = philox4x32_10(counter + (unsigned long long)j, seed);
    double r0 = sqrt(__dmul_rn(-2.0, log((double)((w.x >> 8) + 1) * TWO_POW_MINUS_24)));
    double t0 = __dmul_rn(two_pi, unit_uniform(w.y));
    double r1 = sqrt(__dmul_rn(-2.0, log((double)((w.z >> 8) + 1) * TWO_POW_MINUS_24)));
    double t1 = __dmul_rn(two_pi, unit_uniform(w.w));
    double z[4] = {__dmul_rn(r0, cos(t0)), __dmul_rn(r0, sin(t0)), __dmul_rn(r1, cos(t1)),
                   __dmul_rn(r1, sin(t1))};
#pragma unroll
    for (int lane = 0; lane < 4; lane++) {
      long long i = j * 4 + lane;
      if (i < n) out[i] = (T)__dadd_rn(mean, __dmul_rn(std, z[lane]));
    }
  }
}

extern "C" __global__ void uniform_f32(float* out, long long n, unsigned long long seed,
                                       unsigned long long counter, double low, double high) {
  uniform_fill(out, n, seed, counter, low, high);
}
extern "C" __global__ void uniform_f64(double* out, long long n, unsigned long long seed,
                                       unsigned long long counter, double low, double high) {
  uniform_fill(out, n, seed, counter, low, high);
}
extern "C" __global__ void normal_f32(float* out, long long n, unsigned long long seed,
                                      unsigned long long counter, double mean, double std) {
  normal_fill(out, n, seed, counter, mean, std);
}
extern "C" __global__ void normal_f64(double* out, long long n, unsigned long long seed,
                                      unsigned long long counter, double mean, double std) {
  normal_fill(out, n, seed, counter, mean, std);
}

// The raw words of `blocks` consecutive blocks (4 per block), for bit-exact tests against Java.
extern "C" __global__ void philox_words_i32(unsigned* out, long long blocks, unsigned long long seed,
                                            unsigned long long counter) {
  GRID_STRIDE_LOOP(j, blocks) {
    uint4 w = philox4x32_10(counter + (unsigned long long)j, seed);
    out[j * 4] = w.x;
    out[j * 4 + 1] = w.y;
    out[j * 4 + 2] = w.z;
    out[j * 4 + 3] = w.w;
  }
}
