// Reductions of the middle axis of a contiguous [outer, reduced, inner] block into [outer, inner]
// (io.myelin.backend.Backend#reduce). Two shapes of kernel per (op, dtype):
//  * <op>_rows_<dt> for inner == 1: one block per output row, threads stride over the reduced
//    run (coalesced), then a warp-shuffle tree (block_reduce).
//  * <op>_cols_<dt> for inner > 1: 32 x 8 blocks; x walks 32 adjacent inner positions (coalesced),
//    y splits the reduced axis in 8 interleaved parts, combined in a fixed order in shared memory.
// Neither uses atomics, so results are bitwise reproducible for a given launch shape, which the
// host fixes (256 threads per block).
#include "common.cuh"

// A reducer maps elements to an accumulator, combines accumulators (associative, with a fixed
// tie-break for the arg reductions so the order of combination cannot change the answer) and
// turns the final accumulator into the output.
template <typename T>
struct SumReducer {
  using Acc = T;
  using Out = T;
  __device__ static Acc identity() { return T(0); }
  __device__ static Acc load(T v, int) { return v; }
  __device__ Acc operator()(Acc a, Acc b) const { return a + b; }
  __device__ static Out finish(Acc a, int) { return a; }
};

// Reducing zero elements gives 0 / 0 = NaN, as the SPI specifies.
template <typename T>
struct MeanReducer : SumReducer<T> {
  __device__ static T finish(T a, int reduced) { return a / T(reduced); }
};

template <typename T>
struct MaxReducer {
  using Acc = T;
  using Out = T;
  __device__ static Acc identity() { return -INFINITY; }
  __device__ static Acc load(T v, int) { return v; }
  __device__ Acc operator()(Acc a, Acc b) const { return java_max(a, b); }
  __device__ static Out finish(Acc a, int) { return a; }
};

template <typename T>
struct MinReducer {
  using Acc = T;
  using Out = T;
  __device__ static Acc identity() { return INFINITY; }
  __device__ static Acc load(T v, int) { return v; }
  __device__ Acc operator()(Acc a, Acc b) const { return java_min(a, b); }
  __device__ static Out finish(Acc a, int) { return a; }
};

// PyTorch's argmax: NaN counts as the largest value; ties go to the smallest index. That is a
// total order on (value, index), so any combination order gives the same answer.
template <typename T, bool MAX>
struct ArgReducer {
  using Acc = ValueIndex<T>;
  using Out = int;
  __device__ static Acc identity() { return Acc{MAX ? T(-INFINITY) : T(INFINITY), 0x7fffffff}; }
  __device__ static Acc load(T v, int i) { return Acc{v, i}; }
  __device__ Acc operator()(Acc a, Acc b) const {
    bool an = a.v != a.v, bn = b.v != b.v;
    if (an || bn) {
      if (an && bn) return a.i <= b.i ? a : b;
      return an ? a : b;
    }
    if (a.v == b.v) return a.i <= b.i ? a : b;
    return (MAX ? b.v > a.v : b.v < a.v) ? b : a;
  }
  __device__ static Out finish(Acc a, int) { return a.i; }
};

template <typename T, typename R>
__device__ __forceinline__ void reduce_rows(int outer, int reduced, const T* x, typename R::Out* out) {
  __shared__ typename R::Acc smem[32];
  R combine;
  for (int row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* src = x + (size_t)row * reduced;
    typename R::Acc acc = R::identity();
    for (int j = threadIdx.x; j < reduced; j += blockDim.x) acc = combine(acc, R::load(src[j], j));
    acc = block_reduce(acc, combine, smem);
    if (threadIdx.x == 0) out[row] = R::finish(acc, reduced);
  }
}

#define COLS_X 32
#define COLS_Y 8

template <typename T, typename R>
__device__ __forceinline__ void reduce_cols(int outer, int reduced, int inner, const T* x,
                                            typename R::Out* out) {
  __shared__ typename R::Acc part[COLS_Y][COLS_X + 1];
  R combine;
  int tiles = (inner + COLS_X - 1) / COLS_X;
  long long work = (long long)outer * tiles;
  for (long long w = blockIdx.x; w < work; w += gridDim.x) {
    int o = (int)(w / tiles);
    int col = (int)(w - (long long)o * tiles) * COLS_X + threadIdx.x;
    typename R::Acc acc = R::identity();
    if (col < inner) {
      const T* src = x + (size_t)o * reduced * inner + col;
      for (int j = threadIdx.y; j < reduced; j += COLS_Y) {
        acc = combine(acc, R::load(src[(size_t)j * inner], j));
      }
    }
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < inner) {
      typename R::Acc r = part[0][threadIdx.x];
#pragma unroll
      for (int k = 1; k < COLS_Y; k++) r = combine(r, part[k][threadIdx.x]);
      out[(size_t)o * inner + col] = R::finish(r, reduced);
    }
    __syncthreads();
  }
}

#define MYELIN_DEFINE_REDUCE(name, Reducer, dn, T)                                              \
  extern "C" __global__ void name##_rows_##dn(int outer, int reduced, int inner, const T* x,    \
                                              Reducer::Out* out) {                              \
    reduce_rows<T, Reducer>(outer, reduced, x, out);                                            \
  }                                                                                             \
  extern "C" __global__ void name##_cols_##dn(int outer, int reduced, int inner, const T* x,    \
                                              Reducer::Out* out) {                              \
    reduce_cols<T, Reducer>(outer, reduced, inner, x, out);                                     \
  }

#define MYELIN_DEFINE_REDUCE_ALL(dn, T)                                                         \
  MYELIN_DEFINE_REDUCE(sum, SumReducer<T>, dn, T)                                               \
  MYELIN_DEFINE_REDUCE(mean, MeanReducer<T>, dn, T)                                             \
  MYELIN_DEFINE_REDUCE(max, MaxReducer<T>, dn, T)                                               \
  MYELIN_DEFINE_REDUCE(min, MinReducer<T>, dn, T)                                               \
  MYELIN_DEFINE_REDUCE(argmax, ArgReducer<T MYELIN_COMMA true>, dn, T)                          \
  MYELIN_DEFINE_REDUCE(argmin, ArgReducer<T MYELIN_COMMA false>, dn, T)

#define MYELIN_COMMA ,
MYELIN_DEFINE_REDUCE_ALL(f32, float)
MYELIN_DEFINE_REDUCE_ALL(f64, double)
