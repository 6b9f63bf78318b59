/* Reference cuBLAS stand-in (libcublas.so.13) for the emulated CUDA device: exactly the calls
 * engine-cuda's CublasLibrary binds - create/destroy, set stream, math mode, workspace, S/D gemm
 * and strided-batched gemm - with cuBLAS's documented semantics:
 *  - column-major, C = alpha * op(A) * op(B) + beta * C, op one of N, T, C (C = T for reals);
 *  - the argument checks return CUBLAS_STATUS_INVALID_VALUE (negative sizes, leading dimensions
 *    below max(1, rows), an unknown operation, a null alpha/beta, a null C that must be written);
 *  - beta == 0 means C is not read (NaN there does not propagate), alpha == 0 (or k == 0) means A
 *    and B are not read (NaN/Inf there do not reach C); m == 0, n == 0 or batchCount == 0 return
 *    at once;
 *  - alpha and beta are read from host memory when the call is made (the default pointer mode),
 *    so a capture fixes their values into the graph;
 *  - the product runs on the handle's stream through the emulated driver's myelin_emu_enqueue,
 *    so it is ordered with copies and kernels, runs late in lazy mode and is part of captures;
 *  - CUBLAS_TF32_TENSOR_OP_MATH rounds every float input of A and B to TF32 (10-bit mantissa,
 *    round to nearest even) before the product; S accumulates in float, D in double.
 * Memcheck (an addition a real cuBLAS does not have, where a GPU would fault or race): every
 * operand's extent must lie inside one live device allocation when the call is made and again when
 * the stream runs it, and the C matrices of a strided batch must not overlap (on a GPU their
 * writes race). A failure at the call names the function and argument on stderr and returns
 * CUBLAS_STATUS_EXECUTION_FAILED; one found when the stream runs the work skips it, names it, and
 * makes every later gemm return CUBLAS_STATUS_EXECUTION_FAILED (CUDA's errors of that kind are
 * sticky too). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../driver/emu_internal.h"

int cuStreamSynchronize(struct emu_stream *stream);
int cuCtxSynchronize(void);

#define CUBLAS_STATUS_SUCCESS 0
#define CUBLAS_STATUS_NOT_INITIALIZED 1
#define CUBLAS_STATUS_ALLOC_FAILED 3
#define CUBLAS_STATUS_INVALID_VALUE 7
#define CUBLAS_STATUS_EXECUTION_FAILED 13

#define CUBLAS_OP_N 0
#define CUBLAS_OP_T 1
#define CUBLAS_OP_C 2

#define CUBLAS_DEFAULT_MATH 0
#define CUBLAS_TENSOR_OP_MATH 1
#define CUBLAS_PEDANTIC_MATH 2
#define CUBLAS_TF32_TENSOR_OP_MATH 3
#define CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION 16

/* The handle: its stream and math mode. A magic word catches a destroyed or foreign handle. */
#define HANDLE_MAGIC 0x6d79656cu
struct cublas_context {
  unsigned magic;
  struct emu_stream *stream;
  int math_mode;
  uint64_t workspace;
  size_t workspace_bytes;
};

/* Set when work found an operand freed or out of bounds as the stream ran it (see the top). */
static int sticky_failure;

/* One gemm (or a strided batch of them) as the stream runs it; copied at enqueue. */
struct gemm_work {
  const char *call;
  int is_double;
  int tf32;
  int trans_a, trans_b;
  int m, n, k;
  double alpha, beta;
  uint64_t a, b, c;
  int lda, ldb, ldc;
  long long stride_a, stride_b, stride_c;
  int batch;
  int read_ab; /* alpha != 0 and k > 0: A and B take part */
};

/* TF32: keep 10 of float's 23 mantissa bits, rounding to nearest, ties to even. NaN and infinity
 * pass unchanged (a NaN stays NaN); a finite value that rounds past the largest finite TF32 value
 * becomes infinity, as a rounding conversion does. */
float myelin_cublas_round_tf32(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7f800000u) != 0x7f800000u) {
    bits += 0x0fffu + ((bits >> 13) & 1u);
    bits &= 0xffffe000u;
  }
  memcpy(&value, &bits, sizeof value);
  return value;
}

/* Elements spanned by a column-major rows x cols matrix with leading dimension ld. */
static int64_t matrix_span(int rows, int cols, int ld) {
  return (int64_t) (cols - 1) * ld + rows;
}

/* [lowest, highest) element offsets of batch matrices of span elements, stride apart. */
static void batch_extent(int64_t span, long long stride, int batch, int64_t *lowest, int64_t *highest) {
  int64_t last = (int64_t) (batch - 1) * stride;
  *lowest = last < 0 ? last : 0;
  *highest = (last > 0 ? last : 0) + span;
}

static int extent_live(uint64_t base, int64_t lowest, int64_t highest, size_t element) {
  uint64_t start = base + (uint64_t) (lowest * (int64_t) element);
  return myelin_emu_in_allocation(start, (size_t) (highest - lowest) * element);
}

/* 1 when every operand the work touches lies inside a live allocation; else names the first that
 * does not on stderr (when is "at the call" or "when its stream ran it"). */
static int operands_live(const struct gemm_work *w, const char *when) {
  size_t element = w->is_double ? sizeof(double) : sizeof(float);
  struct { const char *name; uint64_t base; int rows, cols, ld; long long stride; int used; } ops[3] = {
    { "A", w->a, w->trans_a == CUBLAS_OP_N ? w->m : w->k, w->trans_a == CUBLAS_OP_N ? w->k : w->m,
      w->lda, w->stride_a, w->read_ab },
    { "B", w->b, w->trans_b == CUBLAS_OP_N ? w->k : w->n, w->trans_b == CUBLAS_OP_N ? w->n : w->k,
      w->ldb, w->stride_b, w->read_ab },
    { "C", w->c, w->m, w->n, w->ldc, w->stride_c, 1 },
  };
  for (int i = 0; i < 3; i++) {
    if (!ops[i].used) {
      continue;
    }
    int64_t lowest;
    int64_t highest;
    batch_extent(matrix_span(ops[i].rows, ops[i].cols, ops[i].ld), ops[i].stride, w->batch, &lowest, &highest);
    if (!extent_live(ops[i].base, lowest, highest, element)) {
      fprintf(stderr, "myelin emulated cuBLAS memcheck: %s argument %s = 0x%llx (%d x %d, ld %d, "
              "%d matrices, stride %lld; elements %lld to %lld) is not inside a live device "
              "allocation %s\n", w->call, ops[i].name, (unsigned long long) ops[i].base,
              ops[i].rows, ops[i].cols, ops[i].ld, w->batch, ops[i].stride, (long long) lowest,
              (long long) highest, when);
      return 0;
    }
  }
  return 1;
}

/* 1 when two C matrices of the batch share an element: element offsets r + c * ldc (r < m,
 * c < n, ldc >= m) of matrices q apart differ by q * strideC, which is such a difference exactly
 * when it equals dr + dc * ldc with |dr| < m and |dc| < n. */
static int batch_outputs_overlap(int m, int n, int ldc, long long stride_c, int batch) {
  for (int q = 1; q < batch; q++) {
    long long d = llabs((long long) q * stride_c);
    long long dc = d / ldc;
    for (long long c = dc; c <= dc + 1; c++) {
      long long r = d - c * ldc;
      if (c < n && llabs(r) < m) {
        return 1;
      }
    }
  }
  return 0;
}

/* op(X)[row, col] of a column-major X with leading dimension ld. */
#define OP_AT(x, trans, row, col, ld) \
  ((trans) == CUBLAS_OP_N ? (x)[(int64_t) (row) + (int64_t) (col) * (ld)] \
                          : (x)[(int64_t) (col) + (int64_t) (row) * (ld)])

/* Packs op(A) by rows (m x k, each row contiguous) and op(B) by columns (n x k), so each dot product
 * reads two contiguous vectors, and rounds to TF32 once per element when asked. */
static void run_sgemm(const struct gemm_work *w, float *pa, float *pb) {
  for (int q = 0; q < w->batch; q++) {
    const float *a = (const float *) (uintptr_t) w->a + (int64_t) q * w->stride_a;
    const float *b = (const float *) (uintptr_t) w->b + (int64_t) q * w->stride_b;
    float *c = (float *) (uintptr_t) w->c + (int64_t) q * w->stride_c;
    float alpha = (float) w->alpha;
    float beta = (float) w->beta;
    if (w->read_ab) {
      for (int i = 0; i < w->m; i++) {
        for (int p = 0; p < w->k; p++) {
          float v = OP_AT(a, w->trans_a, i, p, w->lda);
          pa[(int64_t) i * w->k + p] = w->tf32 ? myelin_cublas_round_tf32(v) : v;
        }
      }
      for (int j = 0; j < w->n; j++) {
        for (int p = 0; p < w->k; p++) {
          float v = OP_AT(b, w->trans_b, p, j, w->ldb);
          pb[(int64_t) j * w->k + p] = w->tf32 ? myelin_cublas_round_tf32(v) : v;
        }
      }
    }
    for (int j = 0; j < w->n; j++) {
      for (int i = 0; i < w->m; i++) {
        float *out = &c[(int64_t) i + (int64_t) j * w->ldc];
        float product = 0.0f;
        if (w->read_ab) {
          const float *row = &pa[(int64_t) i * w->k];
          const float *col = &pb[(int64_t) j * w->k];
          float acc = 0.0f;
          for (int p = 0; p < w->k; p++) {
            acc += row[p] * col[p];
          }
          product = alpha * acc;
        }
        /* beta == 0: C is not read; alpha == 0 or k == 0: only beta * C. */
        *out = beta == 0.0f ? product : w->read_ab ? product + beta * *out : beta * *out;
      }
    }
  }
}

static void run_dgemm(const struct gemm_work *w, double *pa, double *pb) {
  for (int q = 0; q < w->batch; q++) {
    const double *a = (const double *) (uintptr_t) w->a + (int64_t) q * w->stride_a;
    const double *b = (const double *) (uintptr_t) w->b + (int64_t) q * w->stride_b;
    double *c = (double *) (uintptr_t) w->c + (int64_t) q * w->stride_c;
    if (w->read_ab) {
      for (int i = 0; i < w->m; i++) {
        for (int p = 0; p < w->k; p++) {
          pa[(int64_t) i * w->k + p] = OP_AT(a, w->trans_a, i, p, w->lda);
        }
      }
      for (int j = 0; j < w->n; j++) {
        for (int p = 0; p < w->k; p++) {
          pb[(int64_t) j * w->k + p] = OP_AT(b, w->trans_b, p, j, w->ldb);
        }
      }
    }
    for (int j = 0; j < w->n; j++) {
      for (int i = 0; i < w->m; i++) {
        double *out = &c[(int64_t) i + (int64_t) j * w->ldc];
        double product = 0.0;
        if (w->read_ab) {
          const double *row = &pa[(int64_t) i * w->k];
          const double *col = &pb[(int64_t) j * w->k];
          double acc = 0.0;
          for (int p = 0; p < w->k; p++) {
            acc += row[p] * col[p];
          }
          product = w->alpha * acc;
        }
        *out = w->beta == 0.0 ? product : w->read_ab ? product + w->beta * *out : w->beta * *out;
      }
    }
  }
}

/* The stream operation: checks the operands are still live (a graph replayed after a free), then
 * computes. */
static void run_gemm(void *ctx) {
  const struct gemm_work *w = ctx;
  if (!operands_live(w, "when its stream ran it; the work was skipped and later cuBLAS gemm "
                     "calls fail")) {
    __atomic_store_n(&sticky_failure, 1, __ATOMIC_RELAXED);
    return;
  }
  size_t element = w->is_double ? sizeof(double) : sizeof(float);
  size_t pack_a = w->read_ab ? (size_t) w->m * (size_t) w->k : 0;
  size_t pack_b = w->read_ab ? (size_t) w->n * (size_t) w->k : 0;
  void *pa = malloc(pack_a * element + 1);
  void *pb = malloc(pack_b * element + 1);
  if (pa == NULL || pb == NULL) {
    fprintf(stderr, "myelin emulated cuBLAS: %s could not allocate %zu bytes of host scratch; the "
            "work was skipped and later cuBLAS gemm calls fail\n", w->call, (pack_a + pack_b) * element);
    __atomic_store_n(&sticky_failure, 1, __ATOMIC_RELAXED);
  } else if (w->is_double) {
    run_dgemm(w, pa, pb);
  } else {
    run_sgemm(w, pa, pb);
  }
  free(pa);
  free(pb);
}

static int valid_handle(const struct cublas_context *handle) {
  return handle != NULL && handle->magic == HANDLE_MAGIC;
}

static int valid_op(int op) {
  return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

static int max1(int value) {
  return value > 1 ? value : 1;
}

/* The documented checks, then the quick returns, memcheck at the call, and the enqueue. */
static int gemm(const char *call, int is_double, struct cublas_context *handle, int trans_a,
                int trans_b, int m, int n, int k, const void *alpha, uint64_t a, int lda,
                long long stride_a, uint64_t b, int ldb, long long stride_b, const void *beta,
                uint64_t c, int ldc, long long stride_c, int batch) {
  if (!valid_handle(handle)) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  if (m < 0 || n < 0 || k < 0 || batch < 0 || !valid_op(trans_a) || !valid_op(trans_b)
      || lda < max1(trans_a == CUBLAS_OP_N ? m : k) || ldb < max1(trans_b == CUBLAS_OP_N ? k : n)
      || ldc < max1(m) || alpha == NULL || beta == NULL) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  if (__atomic_load_n(&sticky_failure, __ATOMIC_RELAXED)) {
    fprintf(stderr, "myelin emulated cuBLAS: %s refused after an earlier failure in stream work "
            "(see the first message)\n", call);
    return CUBLAS_STATUS_EXECUTION_FAILED;
  }
  if (m == 0 || n == 0 || batch == 0) {
    return CUBLAS_STATUS_SUCCESS;
  }
  struct gemm_work w = {
    .call = call, .is_double = is_double,
    .tf32 = !is_double && (handle->math_mode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION)
        == CUBLAS_TF32_TENSOR_OP_MATH,
    .trans_a = trans_a, .trans_b = trans_b, .m = m, .n = n, .k = k,
    .alpha = is_double ? *(const double *) alpha : *(const float *) alpha,
    .beta = is_double ? *(const double *) beta : *(const float *) beta,
    .a = a, .b = b, .c = c, .lda = lda, .ldb = ldb, .ldc = ldc,
    .stride_a = stride_a, .stride_b = stride_b, .stride_c = stride_c, .batch = batch,
  };
  w.read_ab = w.alpha != 0.0 && k > 0;
  if (c == 0) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  if (batch > 1 && batch_outputs_overlap(m, n, ldc, stride_c, batch)) {
    fprintf(stderr, "myelin emulated cuBLAS memcheck: %s writes overlapping C matrices (m %d, n %d, "
            "ldc %d, strideC %lld, %d matrices); on a GPU their writes race\n", call, m, n, ldc,
            stride_c, batch);
    return CUBLAS_STATUS_EXECUTION_FAILED;
  }
  if (!operands_live(&w, "at the call")) {
    return CUBLAS_STATUS_EXECUTION_FAILED;
  }
  int status = myelin_emu_enqueue(handle->stream, run_gemm, &w, sizeof w);
  if (status != CUDA_SUCCESS) {
    fprintf(stderr, "myelin emulated cuBLAS: %s could not be enqueued on its stream (CUDA error "
            "%d)\n", call, status);
    return CUBLAS_STATUS_EXECUTION_FAILED;
  }
  return CUBLAS_STATUS_SUCCESS;
}

/* cuBLAS creates its handle in the current context; without one (or before cuInit) it cannot. */
int cublasCreate_v2(struct cublas_context **handle) {
  if (handle == NULL) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  if (myelin_emu_require_context() != CUDA_SUCCESS) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  struct cublas_context *h = calloc(1, sizeof *h);
  if (h == NULL) {
    return CUBLAS_STATUS_ALLOC_FAILED;
  }
  h->magic = HANDLE_MAGIC;
  h->math_mode = CUBLAS_DEFAULT_MATH;
  *handle = h;
  return CUBLAS_STATUS_SUCCESS;
}

/* cuBLAS documents that destroy synchronises the device (cudaDeviceSynchronize); a driver without
 * cuCtxSynchronize gets the handle's stream synchronised instead (the work this handle enqueued
 * last). */
int cublasDestroy_v2(struct cublas_context *handle) {
  if (!valid_handle(handle)) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  if (cuCtxSynchronize() != CUDA_SUCCESS) {
    cuStreamSynchronize(handle->stream);
  }
  handle->magic = 0;
  free(handle);
  return CUBLAS_STATUS_SUCCESS;
}

/* cudaStreamLegacy (0x1) and cudaStreamPerThread (0x2) name the default stream here: the
 * emulated device has one default stream. Setting a stream resets the workspace to the default
 * pool, as cuBLAS documents. */
int cublasSetStream_v2(struct cublas_context *handle, struct emu_stream *stream) {
  if (!valid_handle(handle)) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  uintptr_t raw = (uintptr_t) stream;
  handle->stream = raw == 1 || raw == 2 ? NULL : stream;
  handle->workspace = 0;
  handle->workspace_bytes = 0;
  return CUBLAS_STATUS_SUCCESS;
}

int cublasGetStream_v2(struct cublas_context *handle, struct emu_stream **stream) {
  if (!valid_handle(handle)) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  if (stream == NULL) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  *stream = handle->stream;
  return CUBLAS_STATUS_SUCCESS;
}

int cublasSetMathMode(struct cublas_context *handle, int mode) {
  if (!valid_handle(handle)) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  int base = mode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;
  if (base < CUBLAS_DEFAULT_MATH || base > CUBLAS_TF32_TENSOR_OP_MATH) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  handle->math_mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}

int cublasGetMathMode(struct cublas_context *handle, int *mode) {
  if (!valid_handle(handle)) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  if (mode == NULL) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  *mode = handle->math_mode;
  return CUBLAS_STATUS_SUCCESS;
}

/* A user workspace must be 256-byte aligned (cuBLAS's rule) and, here, lie inside a live device
 * allocation. The stand-in needs no device scratch (it computes on the host), so it only records
 * the workspace; a bad one is refused as cuBLAS would. */
int cublasSetWorkspace_v2(struct cublas_context *handle, void *workspace, size_t bytes) {
  if (!valid_handle(handle)) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  uint64_t address = (uint64_t) (uintptr_t) workspace;
  if (address % 256 != 0) {
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  if (bytes > 0 && (address == 0 || !myelin_emu_in_allocation(address, bytes))) {
    fprintf(stderr, "myelin emulated cuBLAS memcheck: cublasSetWorkspace_v2 workspace = 0x%llx "
            "(+%zu bytes) is not inside a live device allocation\n", (unsigned long long) address, bytes);
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  handle->workspace = address;
  handle->workspace_bytes = bytes;
  return CUBLAS_STATUS_SUCCESS;
}

int cublasSgemm_v2(struct cublas_context *handle, int transa, int transb, int m, int n, int k,
                   const float *alpha, const float *a, int lda, const float *b, int ldb,
                   const float *beta, float *c, int ldc) {
  return gemm("cublasSgemm_v2", 0, handle, transa, transb, m, n, k, alpha, (uintptr_t) a, lda, 0,
              (uintptr_t) b, ldb, 0, beta, (uintptr_t) c, ldc, 0, 1);
}

int cublasDgemm_v2(struct cublas_context *handle, int transa, int transb, int m, int n, int k,
                   const double *alpha, const double *a, int lda, const double *b, int ldb,
                   const double *beta, double *c, int ldc) {
  return gemm("cublasDgemm_v2", 1, handle, transa, transb, m, n, k, alpha, (uintptr_t) a, lda, 0,
              (uintptr_t) b, ldb, 0, beta, (uintptr_t) c, ldc, 0, 1);
}

int cublasSgemmStridedBatched(struct cublas_context *handle, int transa, int transb, int m, int n,
                              int k, const float *alpha, const float *a, int lda, long long stride_a,
                              const float *b, int ldb, long long stride_b, const float *beta,
                              float *c, int ldc, long long stride_c, int batch) {
  return gemm("cublasSgemmStridedBatched", 0, handle, transa, transb, m, n, k, alpha,
              (uintptr_t) a, lda, stride_a, (uintptr_t) b, ldb, stride_b, beta, (uintptr_t) c,
              ldc, stride_c, batch);
}

int cublasDgemmStridedBatched(struct cublas_context *handle, int transa, int transb, int m, int n,
                              int k, const double *alpha, const double *a, int lda,
                              long long stride_a, const double *b, int ldb, long long stride_b,
                              const double *beta, double *c, int ldc, long long stride_c, int batch) {
  return gemm("cublasDgemmStridedBatched", 1, handle, transa, transb, m, n, k, alpha,
              (uintptr_t) a, lda, stride_a, (uintptr_t) b, ldb, stride_b, beta, (uintptr_t) c,
              ldc, stride_c, batch);
}
