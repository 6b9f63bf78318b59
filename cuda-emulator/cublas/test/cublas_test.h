/* Shared by the stand-in's tests: the driver and cuBLAS prototypes (no CUDA headers exist here),
 * the status codes, and small device-memory helpers. */
#ifndef MYELIN_CUBLAS_TEST_H
#define MYELIN_CUBLAS_TEST_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int cuInit(unsigned int);
int cuDevicePrimaryCtxRetain(void **, int);
int cuCtxSetCurrent(void *);
int cuMemAlloc_v2(uint64_t *, size_t);
int cuMemFree_v2(uint64_t);
int cuMemcpyHtoD_v2(uint64_t, const void *, size_t);
int cuMemcpyDtoH_v2(void *, uint64_t, size_t);
int cuMemcpyHtoDAsync_v2(uint64_t, const void *, size_t, void *);
int cuStreamCreate(void **, unsigned int);
int cuStreamSynchronize(void *);
int cuStreamDestroy_v2(void *);
int cuEventCreate(void **, unsigned int);
int cuEventRecord(void *, void *);
int cuStreamWaitEvent(void *, void *, unsigned int);
int cuStreamBeginCapture_v2(void *, int);
int cuStreamEndCapture(void *, void **);
int cuGraphInstantiateWithFlags(void **, void *, unsigned long long);
int cuGraphLaunch(void *, void *);
int cuGraphExecDestroy(void *);
int cuGraphDestroy(void *);

int cublasCreate_v2(void **);
int cublasDestroy_v2(void *);
int cublasSetStream_v2(void *, void *);
int cublasSetMathMode(void *, int);
int cublasGetMathMode(void *, int *);
int cublasSetWorkspace_v2(void *, void *, size_t);
int cublasSgemm_v2(void *, int, int, int, int, int, const float *, const float *, int, const float *,
                   int, const float *, float *, int);
int cublasDgemm_v2(void *, int, int, int, int, int, const double *, const double *, int,
                   const double *, int, const double *, double *, int);
int cublasSgemmStridedBatched(void *, int, int, int, int, int, const float *, const float *, int,
                              long long, const float *, int, long long, const float *, float *, int,
                              long long, int);
int cublasDgemmStridedBatched(void *, int, int, int, int, int, const double *, const double *, int,
                              long long, const double *, int, long long, const double *, double *,
                              int, long long, int);
float myelin_cublas_round_tf32(float);

#define OK 0
#define NOT_INITIALIZED 1
#define INVALID_VALUE 7
#define EXECUTION_FAILED 13
#define OP_N 0
#define OP_T 1
#define OP_C 2
#define TF32_MATH 3

static int failures;

static inline void expect_status(int actual, int expected, const char *what) {
  if (actual != expected) {
    fprintf(stderr, "FAIL %s: status %d, expected %d\n", what, actual, expected);
    failures++;
  }
}

static inline void check(int condition, const char *what) {
  if (!condition) {
    fprintf(stderr, "FAIL %s\n", what);
    failures++;
  }
}

static inline void require(int status, const char *what) {
  if (status != 0) {
    fprintf(stderr, "FATAL %s: status %d\n", what, status);
    exit(2);
  }
}

static inline void start_device(void) {
  void *context;
  require(cuInit(0), "cuInit");
  require(cuDevicePrimaryCtxRetain(&context, 0), "retain");
  require(cuCtxSetCurrent(context), "set current");
}

/* Device copy of bytes of host data; the pointer as cuBLAS takes it. */
static inline void *to_device(const void *host, size_t bytes) {
  uint64_t d;
  require(cuMemAlloc_v2(&d, bytes), "cuMemAlloc");
  require(cuMemcpyHtoD_v2(d, host, bytes), "cuMemcpyHtoD");
  return (void *) (uintptr_t) d;
}

static inline void from_device(void *host, const void *device, size_t bytes) {
  require(cuMemcpyDtoH_v2(host, (uint64_t) (uintptr_t) device, bytes), "cuMemcpyDtoH");
}

static inline void device_free(const void *device) {
  require(cuMemFree_v2((uint64_t) (uintptr_t) device), "cuMemFree");
}

/* Seeded uniform values in [-1, 1) (xorshift: the same on every machine). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static inline double next_uniform(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (double) (rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}
#endif
