// Element-wise kernels: unary maps and their backward, binary maps with broadcasting by strides,
// where, fill and strided copy / cast. One extern "C" kernel per (op, dtype); see common.cuh for
// the naming and the Strided descriptor.
#include "common.cuh"

// silu' and gelu' cross zero (near x = -1.28 and x = -0.75), where float arithmetic cancels: in
// float those results are off by thousands of ulp (the float32 conformance bound is 1e-5
// relative). normal_cdf uses erfc, so Phi's tail for x << 0 does not cancel either. Both are evaluated in double and rounded
// once, as the CPU backend evaluates UnaryOp's reference; the kernels stay memory-bound.
__device__ __forceinline__ double silu_value(double x) { return x * sigmoid(x); }
__device__ __forceinline__ double silu_derivative(double x) {
  double s = sigmoid(x);
  return s + x * s * (1.0 - s);
}
__device__ __forceinline__ double gelu_value(double x) { return x * normal_cdf(x); }
__device__ __forceinline__ double gelu_derivative(double x) { return normal_cdf(x) + x * normal_pdf(x); }

// X(name, forward(x, a, b), derivative(x, y, a, b)). Each expression is the one in
// io.myelin.backend.UnaryOp, so kinks and NaN behave as the scalar reference does.
#define MYELIN_UNARY_OPS(X)                                                                  \
  X(identity, x, T(1))                                                                       \
  X(neg, -x, T(-1))                                                                          \
  X(abs, fabs(x), sgn(x))                                                                    \
  X(sign, sgn(x), T(0))                                                                      \
  X(step, x > T(0) ? T(1) : (x < T(0) ? T(0) : T(0.5)), T(0))                                \
  X(exp, exp(x), y)                                                                          \
  X(log, log(x), T(1) / x)                                                                   \
  X(sqrt, sqrt(x), T(0.5) / y)                                                               \
  X(square, x * x, T(2) * x)                                                                 \
  X(reciprocal, T(1) / x, -y * y)                                                            \
  X(sin, sin(x), cos(x))                                                                     \
  X(cos, cos(x), -sin(x))                                                                    \
  X(sigmoid, sigmoid(x), y * (T(1) - y))                                                     \
  X(tanh, tanh(x), T(1) - y * y)                                                             \
  X(relu, x > T(0) ? x : T(0), x > T(0) ? T(1) : T(0))                                       \
  X(leaky_relu, x > T(0) ? x : a * x, x > T(0) ? T(1) : a)                                   \
  X(elu, x > T(0) ? x : a * expm1(x), x > T(0) ? T(1) : y + a)                               \
  X(softplus, x > T(20) ? x : log1p(exp(x)), x > T(20) ? T(1) : sigmoid(x))                  \
  X(silu, T(silu_value(double(x))), T(silu_derivative(double(x))))                           \
  X(gelu, T(gelu_value(double(x))), T(gelu_derivative(double(x))))                           \
  X(clamp, x < a ? a : (x > b ? b : x), (x >= a && x <= b) ? T(1) : T(0))                    \
  X(piecewise_linear, x < T(-0.5) ? T(0) : (x > T(0.5) ? T(1) : x + T(0.5)),                 \
    (x >= T(-0.5) && x <= T(0.5)) ? T(1) : T(0))                                             \
  X(add_scalar, x + a, T(1))                                                                 \
  X(mul_scalar, a * x, a)                                                                    \
  X(pow_scalar, pow(x, a), a == T(0) ? T(0) : a * pow(x, a - T(1)))

// X(name, f(x, y)) as io.myelin.backend.BinaryOp; comparisons give 1 or 0 in the dtype.
#define MYELIN_BINARY_OPS(X)              \
  X(add, x + y)                           \
  X(sub, x - y)                           \
  X(mul, x * y)                           \
  X(div, x / y)                           \
  X(pow, pow(x, y))                       \
  X(maximum, java_max(x, y))              \
  X(minimum, java_min(x, y))              \
  X(eq, x == y ? T(1) : T(0))             \
  X(ne, x != y ? T(1) : T(0))             \
  X(lt, x < y ? T(1) : T(0))              \
  X(le, x <= y ? T(1) : T(0))             \
  X(gt, x > y ? T(1) : T(0))              \
  X(ge, x >= y ? T(1) : T(0))

// ---- unary ---------------------------------------------------------------------------------

template <typename T, typename Op>
__device__ __forceinline__ void unary_map(const Strided& s, long long n, const T* x, T* y, T a, T b) {
  Op op;
  if (s.contiguous) {
    GRID_STRIDE_LOOP(i, n) y[i] = op.f(x[i], a, b);
  } else {
    GRID_STRIDE_LOOP(i, n) {
      unsigned off[2];
      strided_offsets<2>(s, (unsigned)i, off);
      y[off[1]] = op.f(x[off[0]], a, b);
    }
  }
}

// Backward is contiguous only (the SPI passes offsets, not layouts): gx = gy * f'(x, y).
template <typename T, typename Op>
__device__ __forceinline__ void unary_backward(long long n, const T* x, const T* y, const T* gy,
                                               T* gx, T a, T b) {
  Op op;
  GRID_STRIDE_LOOP(i, n) gx[i] = gy[i] * op.d(x[i], y[i], a, b);
}

#define MYELIN_DEFINE_UNARY(name, F, D)                                                        \
  struct UnaryOp_##name {                                                                      \
    template <typename T>                                                                      \
    __device__ __forceinline__ T f(T x, T a, T b) const { return F; }                          \
    template <typename T>                                                                      \
    __device__ __forceinline__ T d(T x, T y, T a, T b) const { return D; }                     \
  };                                                                                           \
  extern "C" __global__ void name##_f32(Strided s, long long n, const float* x, float* y,      \
                                        double a, double b) {                                  \
    unary_map<float, UnaryOp_##name>(s, n, x, y, (float)a, (float)b);                          \
  }                                                                                            \
  extern "C" __global__ void name##_f64(Strided s, long long n, const double* x, double* y,    \
                                        double a, double b) {                                  \
    unary_map<double, UnaryOp_##name>(s, n, x, y, a, b);                                       \
  }                                                                                            \
  extern "C" __global__ void name##_bwd_f32(long long n, const float* x, const float* y,       \
                                            const float* gy, float* gx, double a, double b) {  \
    unary_backward<float, UnaryOp_##name>(n, x, y, gy, gx, (float)a, (float)b);                \
  }                                                                                            \
  extern "C" __global__ void name##_bwd_f64(long long n, const double* x, const double* y,     \
                                            const double* gy, double* gx, double a, double b) { \
    unary_backward<double, UnaryOp_##name>(n, x, y, gy, gx, a, b);                             \
  }

MYELIN_UNARY_OPS(MYELIN_DEFINE_UNARY)

// ---- binary and where ----------------------------------------------------------------------

template <typename T, typename Op>
__device__ __forceinline__ void binary_map(const Strided& s, long long n, const T* x, const T* y, T* out) {
  Op op;
  if (s.contiguous) {
    GRID_STRIDE_LOOP(i, n) out[i] = op(x[i], y[i]);
  } else {
    GRID_STRIDE_LOOP(i, n) {
      unsigned off[3];
      strided_offsets<3>(s, (unsigned)i, off);
      out[off[2]] = op(x[off[0]], y[off[1]]);
    }
  }
}

#define MYELIN_DEFINE_BINARY(name, F)                                                          \
  struct BinaryOp_##name {                                                                     \
    template <typename T>                                                                      \
    __device__ __forceinline__ T operator()(T x, T y) const { return F; }                      \
  };                                                                                           \
  extern "C" __global__ void name##_f32(Strided s, long long n, const float* x, const float* y, \
                                        float* out) {                                          \
    binary_map<float, BinaryOp_##name>(s, n, x, y, out);                                       \
  }                                                                                            \
  extern "C" __global__ void name##_f64(Strided s, long long n, const double* x,               \
                                        const double* y, double* out) {                        \
    binary_map<double, BinaryOp_##name>(s, n, x, y, out);                                      \
  }

MYELIN_BINARY_OPS(MYELIN_DEFINE_BINARY)

template <typename T>
__device__ __forceinline__ void where_map(const Strided& s, long long n, const T* c, const T* x,
                                          const T* y, T* out) {
  if (s.contiguous) {
    GRID_STRIDE_LOOP(i, n) out[i] = c[i] != T(0) ? x[i] : y[i];
  } else {
    GRID_STRIDE_LOOP(i, n) {
      unsigned off[4];
      strided_offsets<4>(s, (unsigned)i, off);
      out[off[3]] = c[off[0]] != T(0) ? x[off[1]] : y[off[2]];
    }
  }
}

extern "C" __global__ void where_f32(Strided s, long long n, const float* c, const float* x,
                                     const float* y, float* out) {
  where_map<float>(s, n, c, x, y, out);
}
extern "C" __global__ void where_f64(Strided s, long long n, const double* c, const double* x,
                                     const double* y, double* out) {
  where_map<double>(s, n, c, x, y, out);
}

// ---- fill ----------------------------------------------------------------------------------

// The value arrives already rounded to the dtype by the host (Java's (float) / (int) casts).
template <typename T>
__device__ __forceinline__ void fill_map(const Strided& s, long long n, T* dst, T value) {
  if (s.contiguous) {
    GRID_STRIDE_LOOP(i, n) dst[i] = value;
  } else {
    GRID_STRIDE_LOOP(i, n) {
      unsigned off[1];
      strided_offsets<1>(s, (unsigned)i, off);
      dst[off[0]] = value;
    }
  }
}

extern "C" __global__ void fill_f32(Strided s, long long n, float* dst, float v) { fill_map(s, n, dst, v); }
extern "C" __global__ void fill_f64(Strided s, long long n, double* dst, double v) { fill_map(s, n, dst, v); }
extern "C" __global__ void fill_i32(Strided s, long long n, int* dst, int v) { fill_map(s, n, dst, v); }

// ---- copy / cast ---------------------------------------------------------------------------

// Java's casts: float -> int truncates toward zero, saturates, and maps NaN to 0, which is what
// the round-toward-zero conversion instructions do (a plain C cast is undefined out of range).
template <typename S, typename D>
__device__ __forceinline__ D convert(S v) { return static_cast<D>(v); }
template <>
__device__ __forceinline__ int convert<float, int>(float v) { return __float2int_rz(v); }
template <>
__device__ __forceinline__ int convert<double, int>(double v) { return __double2int_rz(v); }

template <typename S, typename D>
__device__ __forceinline__ void copy_map(const Strided& s, long long n, const S* x, D* y) {
  if (s.contiguous) {
    GRID_STRIDE_LOOP(i, n) y[i] = convert<S, D>(x[i]);
  } else {
    GRID_STRIDE_LOOP(i, n) {
      unsigned off[2];
      strided_offsets<2>(s, (unsigned)i, off);
      y[off[1]] = convert<S, D>(x[off[0]]);
    }
  }
}

#define MYELIN_DEFINE_COPY(sn, S, dn, D)                                                      \
  extern "C" __global__ void copy_##sn##_##dn(Strided s, long long n, const S* x, D* y) {     \
    copy_map<S, D>(s, n, x, y);                                                               \
  }

MYELIN_DEFINE_COPY(f32, float, f32, float)
MYELIN_DEFINE_COPY(f32, float, f64, double)
MYELIN_DEFINE_COPY(f32, float, i32, int)
MYELIN_DEFINE_COPY(f64, double, f32, float)
MYELIN_DEFINE_COPY(f64, double, f64, double)
MYELIN_DEFINE_COPY(f64, double, i32, int)
MYELIN_DEFINE_COPY(i32, int, f32, float)
MYELIN_DEFINE_COPY(i32, int, f64, double)
MYELIN_DEFINE_COPY(i32, int, i32, int)
