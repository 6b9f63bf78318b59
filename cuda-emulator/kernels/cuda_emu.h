// Emulation header: lets the unchanged kernels/src/main/cuda/*.cu compile with g++ as host code
// (build.sh force-includes it). Each CUDA thread of a block is a cooperative fiber on the calling
// OS thread (emu_runtime.cpp); threadIdx reads the running fiber's index, __syncthreads and the
// warp shuffles yield to the block's scheduler, which resumes the fibers once every thread has
// arrived. Blocks run one after another, so `__shared__` is plain per-OS-thread static storage:
// one copy per block in flight, shared by that block's fibers, exactly CUDA's scope.
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <limits.h>
#include <type_traits>

// ---- qualifiers ------------------------------------------------------------------------------
#ifdef EMU_SCAN
// gen_registry.py preprocesses a family with EMU_SCAN: the kernel marker survives as a token.
#define __global__ __emu_global__
#else
#define __global__
#endif
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)
#define __shared__ static thread_local
#define __constant__ static

// ---- vector types ----------------------------------------------------------------------------
struct uint3 { unsigned x, y, z; };
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct __align__(8) float2 { float x, y; };
struct __align__(16) float4 { float x, y, z, w; };
struct __align__(16) double2 { double x, y; };
struct __align__(8) int2 { int x, y; };
struct __align__(16) int4 { int x, y, z, w; };
struct __align__(8) uint2 { unsigned x, y; };
struct __align__(16) uint4 { unsigned x, y, z, w; };
inline float2 make_float2(float x, float y) { return float2{x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline double2 make_double2(double x, double y) { return double2{x, y}; }
inline int2 make_int2(int x, int y) { return int2{x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return int4{x, y, z, w}; }
inline uint2 make_uint2(unsigned x, unsigned y) { return uint2{x, y}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return uint4{x, y, z, w}; }

// ---- the runtime's per-OS-thread state -------------------------------------------------------
namespace emu {
struct Fiber;
struct Tls {
  Fiber* cur;  // the fiber running now
  uint3 block_idx;
  dim3 block_dim, grid_dim;
};
extern thread_local Tls tls __attribute__((visibility("hidden")));
struct Fiber {
  void* sp;         // saved stack pointer while switched out
  uint3 tid;        // threadIdx
  unsigned linear;  // x + y * bx + z * bx * by: lane = linear & 31, warp = linear >> 5
  int state;        // FiberState
  uint64_t shfl_in, shfl_out;
  int shfl_src;     // lane whose value this lane receives (or its own)
  unsigned shfl_mask;
  char* stack;      // lowest usable byte
};
enum FiberState { READY = 0, AT_BARRIER = 1, AT_SHUFFLE = 2, DONE = 3 };
// Switches from the running fiber back to its block's scheduler (the fiber's state says why).
void yield_to_scheduler() __attribute__((visibility("hidden")));

inline void syncthreads() {
  tls.cur->state = AT_BARRIER;
  yield_to_scheduler();
}

enum ShuffleKind { SHFL_IDX, SHFL_UP, SHFL_DOWN, SHFL_XOR };

// A warp shuffle: every lane named by `mask` must arrive before any receives. Values up to 8
// bytes travel as raw bits, so float, double, int and long long keep their exact representation.
template <typename T>
inline T shuffle(unsigned mask, T v, int arg, int width, ShuffleKind kind) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffle of a type over 8 bytes");
  Fiber* f = tls.cur;
  int lane = (int)(f->linear & 31u);
  if (width <= 0 || width > 32 || (width & (width - 1))) width = 32;
  int base = lane & ~(width - 1), off = lane - base;
  int src;
  switch (kind) {
    case SHFL_IDX: src = base + (arg & (width - 1)); break;
    case SHFL_UP: src = off - arg >= 0 ? lane - arg : lane; break;
    case SHFL_DOWN: src = off + arg < width ? lane + arg : lane; break;
    default: { int s = lane ^ arg; src = (s & ~(width - 1)) == base ? s : lane; } break;
  }
  uint64_t bits = 0;
  memcpy(&bits, &v, sizeof(T));
  f->shfl_in = bits;
  f->shfl_src = src;
  f->shfl_mask = mask;
  f->state = AT_SHUFFLE;
  yield_to_scheduler();
  T r;
  memcpy(&r, &f->shfl_out, sizeof(T));
  return r;
}
}  // namespace emu

#define threadIdx (::emu::tls.cur->tid)
#define blockIdx (::emu::tls.block_idx)
#define blockDim (::emu::tls.block_dim)
#define gridDim (::emu::tls.grid_dim)
#define warpSize 32

inline void __syncthreads() { ::emu::syncthreads(); }
template <typename T>
inline T __shfl_sync(unsigned mask, T v, int src, int width = 32) { return ::emu::shuffle(mask, v, src, width, ::emu::SHFL_IDX); }
template <typename T>
inline T __shfl_up_sync(unsigned mask, T v, unsigned d, int width = 32) { return ::emu::shuffle(mask, v, (int)d, width, ::emu::SHFL_UP); }
template <typename T>
inline T __shfl_down_sync(unsigned mask, T v, unsigned d, int width = 32) { return ::emu::shuffle(mask, v, (int)d, width, ::emu::SHFL_DOWN); }
template <typename T>
inline T __shfl_xor_sync(unsigned mask, T v, int m, int width = 32) { return ::emu::shuffle(mask, v, m, width, ::emu::SHFL_XOR); }
inline void __syncwarp(unsigned = 0xffffffffu) {}
inline void __threadfence() {}
inline void __threadfence_block() {}

// ---- intrinsics with CUDA's semantics ----------------------------------------------------------
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((uint64_t)a * b) >> 32); }
inline int __mulhi(int a, int b) { return (int)(((int64_t)a * b) >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
  return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
// Round toward zero, saturating at the int range; NaN converts to 0 (PTX cvt.rzi.sat semantics).
inline int __float2int_rz(float x) {
  if (x != x) return 0;
  if (x >= 2147483648.0f) return INT_MAX;
  if (x <= -2147483904.0f) return INT_MIN;
  return (int)x;
}
inline int __double2int_rz(double x) {
  if (x != x) return 0;
  if (x >= 2147483648.0) return INT_MAX;
  if (x <= -2147483649.0) return INT_MIN;
  return (int)x;
}
inline unsigned __float2uint_rz(float x) {
  if (x != x || x <= 0.0f) return 0u;
  if (x >= 4294967296.0f) return UINT_MAX;
  return (unsigned)x;
}
inline long long __double2ll_rz(double x) {
  if (x != x) return 0;
  if (x >= 9223372036854775808.0) return LLONG_MAX;
  if (x < -9223372036854775808.0) return LLONG_MIN;
  return (long long)x;
}
// The _rn operations are never contracted into an FMA by nvcc; build.sh passes -ffp-contract=off
// so g++ contracts nothing either.
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __powf(float a, float b) { return powf(a, b); }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __saturatef(float x) { return x != x ? 0.0f : (x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x)); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
inline int __ffs(int x) { return __builtin_ffs(x); }

// CUDA's global min/max overloads for integers (the float ones come from <math.h> as fminf/fmaxf).
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }
inline double min(double a, double b) { return fmin(a, b); }
inline double max(double a, double b) { return fmax(a, b); }

// Atomics: the fibers of a launch share one OS thread and switch only at barriers and shuffles,
// so a read-modify-write is atomic as written. Each returns the old value.
template <typename T>
inline T atomicAdd(T* p, T v) { T o = *p; *p = o + v; return o; }
template <typename T>
inline T atomicSub(T* p, T v) { T o = *p; *p = o - v; return o; }
template <typename T>
inline T atomicExch(T* p, T v) { T o = *p; *p = v; return o; }
template <typename T>
inline T atomicMax(T* p, T v) { T o = *p; if (v > o) *p = v; return o; }
template <typename T>
inline T atomicMin(T* p, T v) { T o = *p; if (v < o) *p = v; return o; }
template <typename T>
inline T atomicCAS(T* p, T cmp, T v) { T o = *p; if (o == cmp) *p = v; return o; }
template <typename T>
inline T atomicOr(T* p, T v) { T o = *p; *p = o | v; return o; }
template <typename T>
inline T atomicAnd(T* p, T v) { T o = *p; *p = o & v; return o; }
