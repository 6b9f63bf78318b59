/* Checks the emulated driver's contexts and device memory: no current context ->
 * CUDA_ERROR_INVALID_CONTEXT; allocations bounded by MYELIN_EMU_MEMORY_BYTES; copies round trip;
 * memcheck refuses a copy reaching past an allocation and a free reports an overwritten guard;
 * allocations are 256-byte aligned. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cuInit(unsigned int);
int cuDevicePrimaryCtxRetain(void **, int);
int cuDevicePrimaryCtxRelease_v2(int);
int cuCtxSetCurrent(void *);
int cuCtxGetCurrent(void **);
int cuCtxGetDevice(int *);
int cuMemAlloc_v2(uint64_t *, size_t);
int cuMemFree_v2(uint64_t);
int cuMemGetInfo_v2(size_t *, size_t *);
int cuMemcpyHtoD_v2(uint64_t, const void *, size_t);
int cuMemcpyDtoH_v2(void *, uint64_t, size_t);
int cuMemcpyDtoD_v2(uint64_t, uint64_t, size_t);
int cuMemsetD8_v2(uint64_t, unsigned char, size_t);
int cuMemAllocHost_v2(void **, size_t);
int cuMemFreeHost(void *);

static int failures;

static void expect(int actual, int expected, const char *what) {
  if (actual != expected) {
    fprintf(stderr, "FAIL %s: %d, expected %d\n", what, actual, expected);
    failures++;
  }
}

int main(void) {
  setenv("MYELIN_EMU_MEMORY_BYTES", "4096", 1);
  void *context = NULL;
  void *got = (void *) 1;
  int device = -1;
  uint64_t a = 0;
  uint64_t b = 0;
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  expect(cuInit(0), 0, "cuInit");
  expect(cuMemAlloc_v2(&a, 16), 201, "cuMemAlloc without a current context");
  expect(cuDevicePrimaryCtxRetain(&context, 0), 0, "cuDevicePrimaryCtxRetain");
  expect(cuCtxSetCurrent(context), 0, "cuCtxSetCurrent");
  expect(cuCtxGetCurrent(&got), 0, "cuCtxGetCurrent");
  expect(got == context, 1, "the current context is the primary one");
  expect(cuCtxGetDevice(&device), 0, "cuCtxGetDevice");
  expect(device, 0, "device of the context");
  expect(cuMemAlloc_v2(&a, 8192), 2, "an allocation over MYELIN_EMU_MEMORY_BYTES is out of memory");
  expect(cuMemAlloc_v2(&a, 1024), 0, "cuMemAlloc 1024");
  expect(cuMemAlloc_v2(&b, 1024), 0, "cuMemAlloc 1024 again");
  expect(cuMemGetInfo_v2(&free_bytes, &total_bytes), 0, "cuMemGetInfo");
  expect((int) free_bytes, 2048, "free bytes");
  expect((int) total_bytes, 4096, "total bytes");
  float host[256];
  float back[256];
  for (int i = 0; i < 256; i++) {
    host[i] = (float) i * 0.5f;
  }
  expect(cuMemcpyHtoD_v2(a, host, sizeof host), 0, "HtoD");
  expect(cuMemcpyDtoD_v2(b, a, sizeof host), 0, "DtoD");
  expect(cuMemcpyDtoH_v2(back, b, sizeof back), 0, "DtoH");
  expect(memcmp(host, back, sizeof host), 0, "the round trip keeps every byte");
  expect(cuMemcpyHtoD_v2(a + 4, host, sizeof host), 1, "memcheck: a copy 4 bytes past the end");
  expect(cuMemcpyDtoH_v2(back, a + 1040, 4), 1, "memcheck: a pointer in the guard after an allocation");
  expect(cuMemsetD8_v2(a, 0, 1024), 0, "memset inside");
  ((unsigned char *) (uintptr_t) a)[1024] = 0; /* a write one byte past the end, as a kernel might */
  expect(cuMemFree_v2(a), 700, "the free reports the overwritten guard");
  expect(cuMemFree_v2(a), 1, "a second free is refused");
  expect(cuMemFree_v2(b), 0, "cuMemFree");
  /* cuMemAlloc's documentation: "The allocated memory is suitably aligned for any kind of
   * variable"; the driver aligns to at least 256 bytes, and cuBLAS wants its workspace so. */
  size_t sizes[] = {1, 3, 1000, 256, 17};
  uint64_t blocks[5];
  for (int i = 0; i < 5; i++) {
    expect(cuMemAlloc_v2(&blocks[i], sizes[i]), 0, "cuMemAlloc of an odd size");
    expect((int) (blocks[i] % 256), 0, "cuMemAlloc returns 256-byte aligned pointers");
  }
  for (int i = 0; i < 5; i++) {
    expect(cuMemFree_v2(blocks[i]), 0, "cuMemFree of an aligned block");
  }
  void *pinned = NULL;
  expect(cuMemAllocHost_v2(&pinned, 4096), 0, "cuMemAllocHost");
  expect(pinned != NULL && ((uintptr_t) pinned) % 64 == 0, 1, "pinned memory is aligned");
  expect(cuMemFreeHost(pinned), 0, "cuMemFreeHost");
  expect(cuDevicePrimaryCtxRelease_v2(0), 0, "cuDevicePrimaryCtxRelease");
  expect(cuMemAlloc_v2(&a, 16), 201, "cuMemAlloc after the primary context is released");
  expect(cuDevicePrimaryCtxRelease_v2(0), 201, "a release without a retain");
  if (failures == 0) {
    printf("memory_test: all passed\n");
  }
  return failures == 0 ? 0 : 1;
}
