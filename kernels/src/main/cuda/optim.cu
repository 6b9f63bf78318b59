// Fused optimizer updates (io.myelin.backend.Backend#optimizerUpdate), one launch per parameter.
//
// Each kernel does the element arithmetic of engine-cpu's OptimizerUpdates in T. The
// step-dependent scalars are read from device memory, not passed by value, so that a captured
// CUDA graph applies at each replay the step the host wrote there last: `scalars` points at the
// OptimizerKind.SCALARS doubles of OptimizerKind#writeScalars ([0] lr, [1] t, [2] NAdam's mu
// product, [3..] the coefficients derived from them in double on the host). Each kernel rounds
// the ones it needs to T once (double -> float rounds to nearest, as Java's (float) cast and the
// former by-value arguments did). Constant hyperparameters (betas, eps, weight decay, flags)
// stay by-value arguments already rounded to T. Names are optim_<kind>_<dtype> with <kind> =
// OptimizerKind#kernelName (SGD's averaged form is optim_sgd_avg_<dtype>). State pointers the
// configuration does not use may be null and are then never dereferenced. Every element is
// independent: a plain grid-stride loop, each gradient read once, each parameter and state
// element read and written once.
#include "common.cuh"

template <typename T>
__device__ __forceinline__ T signed_grad(const T* g, long long i, int maximize) {
  return maximize ? -g[i] : g[i];
}

// PyTorch form: b = first ? g : mu * b + damp * g; g = nesterov ? g + mu * b : b; p -= lr * g.
template <typename T>
__device__ void sgd(long long n, T* p, const T* g, T* b, T lr, T wd, T mu, T damp, int use_momentum,
                    int first, int nesterov, int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T gi = signed_grad(g, i, maximize) + wd * p[i];
    if (use_momentum) {
      T bi = first ? gi : mu * b[i] + damp * gi;
      b[i] = bi;
      gi = nesterov ? gi + mu * bi : bi;
    }
    p[i] -= lr * gi;
  }
}

// Averaged form: v = beta * v + keep * g; p -= step * v (step carries the bias correction).
template <typename T>
__device__ void sgd_avg(long long n, T* p, const T* g, T* v, T step, T wd, T beta, T keep,
                        int use_momentum, int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T gi = signed_grad(g, i, maximize) + wd * p[i];
    if (use_momentum) {
      v[i] = beta * v[i] + keep * gi;
      gi = v[i];
    }
    p[i] -= step * gi;
  }
}

template <typename T>
__device__ void adam(long long n, T* p, const T* g, T* m, T* v, T* vmax, T b1, T b2, T c1, T c2,
                     T eps, T shrink, T l2, T step_size, T root_bc2, int amsgrad, int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T pi = p[i] * shrink;
    T gi = signed_grad(g, i, maximize) + l2 * pi;
    T mi = b1 * m[i] + c1 * gi;
    T vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (amsgrad) {
      vi = java_max(vmax[i], vi);
      vmax[i] = vi;
    }
    p[i] = pi - step_size * mi / (sqrt(vi) / root_bc2 + eps);
  }
}

template <typename T>
__device__ void adamax(long long n, T* p, const T* g, T* m, T* u, T wd, T b1, T b2, T c1, T eps,
                       T step_size, int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T gi = signed_grad(g, i, maximize) + wd * p[i];
    T mi = b1 * m[i] + c1 * gi;
    T ui = java_max(b2 * u[i], fabs(gi) + eps);
    m[i] = mi;
    u[i] = ui;
    p[i] -= step_size * mi / ui;
  }
}

template <typename T>
__device__ void nadam(long long n, T* p, const T* g, T* m, T* v, T b1, T b2, T c1, T c2, T eps,
                      T shrink, T l2, T bc2, T grad_step, T moment_step, int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T pi = p[i] * shrink;
    T gi = signed_grad(g, i, maximize) + l2 * pi;
    T mi = b1 * m[i] + c1 * gi;
    T vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    T d = sqrt(vi / bc2) + eps;
    p[i] = pi - grad_step * gi / d - moment_step * mi / d;
  }
}

template <typename T>
__device__ void rmsprop(long long n, T* p, const T* g, T* s, T* buf, T* ga, T lr, T wd, T a, T c,
                        T mom, T eps, int centered, int use_momentum, int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T gi = signed_grad(g, i, maximize) + wd * p[i];
    T si = a * s[i] + c * gi * gi;
    s[i] = si;
    T avg;
    if (centered) {
      T gai = a * ga[i] + c * gi;
      ga[i] = gai;
      avg = sqrt(si - gai * gai) + eps;
    } else {
      avg = sqrt(si) + eps;
    }
    if (use_momentum) {
      T bi = mom * buf[i] + gi / avg;
      buf[i] = bi;
      p[i] -= lr * bi;
    } else {
      p[i] -= lr * gi / avg;
    }
  }
}

template <typename T>
__device__ void adagrad(long long n, T* p, const T* g, T* s, T wd, T eps, T clr, int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T gi = signed_grad(g, i, maximize) + wd * p[i];
    T si = s[i] + gi * gi;
    s[i] = si;
    p[i] -= clr * gi / (sqrt(si) + eps);
  }
}

template <typename T>
__device__ void adadelta(long long n, T* p, const T* g, T* s, T* u, T lr, T wd, T rho, T c, T eps,
                         int maximize) {
  GRID_STRIDE_LOOP(i, n) {
    T gi = signed_grad(g, i, maximize) + wd * p[i];
    T si = rho * s[i] + c * gi * gi;
    s[i] = si;
    T d = sqrt(u[i] + eps) / sqrt(si + eps) * gi;
    u[i] = rho * u[i] + c * d * d;
    p[i] -= lr * d;
  }
}

// Entry k of the step-scalar block, rounded to the element type.
template <typename T>
__device__ __forceinline__ T step_scalar(const double* scalars, int k) {
  return (T)scalars[k];
}

// A step the caller marked skipped (slot OptimizerKind#APPLY == 0: a non-finite batch under the
// SKIP_BATCH policy, decided on the device) leaves the parameter and its state untouched.
#define MYELIN_SKIPPED(scalars) if (scalars[7] == 0.0) return

// Scalar slots (OptimizerKind#writeScalars): 0 lr; SGD 3 first step, 4 averaged step; ADAM 3
// shrink, 4 step size, 5 sqrt(bias correction 2); ADAMAX 3 step size; NADAM 3 shrink, 4 bias
// correction 2, 5 gradient step, 6 momentum step; ADAGRAD 3 decayed lr.
#define MYELIN_DEFINE_OPTIM(dn, T)                                                                 \
  extern "C" __global__ void optim_sgd_##dn(long long n, T* p, const T* g, T* b,                   \
                                            const double* scalars, T wd, T mu, T damp,             \
                                            int use_momentum, int nesterov, int maximize) {        \
    MYELIN_SKIPPED(scalars);                                                                       \
    sgd<T>(n, p, g, b, step_scalar<T>(scalars, 0), wd, mu, damp, use_momentum,                    \
           scalars[3] != 0.0, nesterov, maximize);                                                 \
  }                                                                                                \
  extern "C" __global__ void optim_sgd_avg_##dn(long long n, T* p, const T* g, T* v,               \
                                                const double* scalars, T wd, T beta, T keep,       \
                                                int use_momentum, int maximize) {                  \
    MYELIN_SKIPPED(scalars);                                                                       \
    sgd_avg<T>(n, p, g, v, step_scalar<T>(scalars, 4), wd, beta, keep, use_momentum, maximize);    \
  }                                                                                                \
  extern "C" __global__ void optim_adam_##dn(long long n, T* p, const T* g, T* m, T* v, T* vmax,   \
                                             const double* scalars, T b1, T b2, T c1, T c2, T eps, \
                                             T l2, int amsgrad, int maximize) {                    \
    MYELIN_SKIPPED(scalars);                                                                       \
    adam<T>(n, p, g, m, v, vmax, b1, b2, c1, c2, eps, step_scalar<T>(scalars, 3), l2,              \
            step_scalar<T>(scalars, 4), step_scalar<T>(scalars, 5), amsgrad, maximize);            \
  }                                                                                                \
  extern "C" __global__ void optim_adamax_##dn(long long n, T* p, const T* g, T* m, T* u,          \
                                               const double* scalars, T wd, T b1, T b2, T c1,      \
                                               T eps, int maximize) {                              \
    MYELIN_SKIPPED(scalars);                                                                       \
    adamax<T>(n, p, g, m, u, wd, b1, b2, c1, eps, step_scalar<T>(scalars, 3), maximize);           \
  }                                                                                                \
  extern "C" __global__ void optim_nadam_##dn(long long n, T* p, const T* g, T* m, T* v,           \
                                              const double* scalars, T b1, T b2, T c1, T c2,       \
                                              T eps, T l2, int maximize) {                         \
    MYELIN_SKIPPED(scalars);                                                                       \
    nadam<T>(n, p, g, m, v, b1, b2, c1, c2, eps, step_scalar<T>(scalars, 3), l2,                   \
             step_scalar<T>(scalars, 4), step_scalar<T>(scalars, 5), step_scalar<T>(scalars, 6),   \
             maximize);                                                                            \
  }                                                                                                \
  extern "C" __global__ void optim_rmsprop_##dn(long long n, T* p, const T* g, T* s, T* buf,       \
                                                T* ga, const double* scalars, T wd, T a, T c,      \
                                                T mom, T eps, int centered, int use_momentum,      \
                                                int maximize) {                                    \
    MYELIN_SKIPPED(scalars);                                                                       \
    rmsprop<T>(n, p, g, s, buf, ga, step_scalar<T>(scalars, 0), wd, a, c, mom, eps, centered,      \
               use_momentum, maximize);                                                            \
  }                                                                                                \
  extern "C" __global__ void optim_adagrad_##dn(long long n, T* p, const T* g, T* s,               \
                                                const double* scalars, T wd, T eps,                \
                                                int maximize) {                                    \
    MYELIN_SKIPPED(scalars);                                                                       \
    adagrad<T>(n, p, g, s, wd, eps, step_scalar<T>(scalars, 3), maximize);                         \
  }                                                                                                \
  extern "C" __global__ void optim_adadelta_##dn(long long n, T* p, const T* g, T* s, T* u,        \
                                                 const double* scalars, T wd, T rho, T c, T eps,   \
                                                 int maximize) {                                   \
    MYELIN_SKIPPED(scalars);                                                                       \
    adadelta<T>(n, p, g, s, u, step_scalar<T>(scalars, 0), wd, rho, c, eps, maximize);             \
  }

MYELIN_DEFINE_OPTIM(f32, float)
MYELIN_DEFINE_OPTIM(f64, double)
