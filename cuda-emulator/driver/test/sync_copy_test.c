/* Checks, in lazy mode (MYELIN_EMU_LAZY=1), that the synchronous copies and memset are ordered as
 * the CUDA documentation orders them: they are issued on the legacy default stream, so they begin
 * only after all work queued before them on that stream and on every blocking stream (created
 * without CU_STREAM_NON_BLOCKING), and cuMemcpyDtoH returns with the bytes in host memory. A
 * non-blocking stream is not ordered with the legacy stream, so its queued work stays queued. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int cuInit(unsigned int);
int cuDevicePrimaryCtxRetain(void **, int);
int cuCtxSetCurrent(void *);
int cuMemAlloc_v2(uint64_t *, size_t);
int cuMemFree_v2(uint64_t);
int cuMemsetD8_v2(uint64_t, unsigned char, size_t);
int cuMemcpyHtoD_v2(uint64_t, const void *, size_t);
int cuMemcpyDtoH_v2(void *, uint64_t, size_t);
int cuMemcpyDtoD_v2(uint64_t, uint64_t, size_t);
int cuMemcpyHtoDAsync_v2(uint64_t, const void *, size_t, void *);
int cuMemcpyDtoHAsync_v2(void *, uint64_t, size_t, void *);
int cuStreamCreate(void **, unsigned int);
int cuStreamSynchronize(void *);
int cuStreamDestroy_v2(void *);

static int failures;

static void expect(int actual, int expected, const char *what) {
  if (actual != expected) {
    fprintf(stderr, "FAIL %s: %d, expected %d\n", what, actual, expected);
    failures++;
  }
}

int main(void) {
  setenv("MYELIN_EMU_LAZY", "1", 1);
  void *context;
  void *blocking;
  void *independent;
  uint64_t a;
  uint64_t b;
  expect(cuInit(0), 0, "cuInit");
  expect(cuDevicePrimaryCtxRetain(&context, 0), 0, "retain");
  expect(cuCtxSetCurrent(context), 0, "set current");
  expect(cuStreamCreate(&blocking, 0), 0, "blocking stream");
  expect(cuStreamCreate(&independent, 1), 0, "non-blocking stream");
  expect(cuMemAlloc_v2(&a, 4), 0, "alloc a");
  expect(cuMemAlloc_v2(&b, 4), 0, "alloc b");
  int zero = 0;
  expect(cuMemcpyHtoD_v2(a, &zero, 4), 0, "zero a");
  expect(cuMemcpyHtoD_v2(b, &zero, 4), 0, "zero b");

  /* DtoH after an upload pending on the legacy stream: the read sees the upload. */
  int seven = 7;
  int read = -1;
  expect(cuMemcpyHtoDAsync_v2(a, &seven, 4, NULL), 0, "upload on the legacy stream");
  expect(cuMemcpyDtoH_v2(&read, a, 4), 0, "synchronous DtoH");
  expect(read, 7, "cuMemcpyDtoH waits for the legacy stream's queued upload");

  /* DtoH after an upload pending on a blocking stream. */
  int eight = 8;
  expect(cuMemcpyHtoDAsync_v2(a, &eight, 4, blocking), 0, "upload on a blocking stream");
  expect(cuMemcpyDtoH_v2(&read, a, 4), 0, "synchronous DtoH");
  expect(read, 8, "cuMemcpyDtoH waits for a blocking stream's queued upload");

  /* HtoD after a download pending on the legacy stream: the download reads the old bytes. */
  int before = -1;
  int nine = 9;
  expect(cuMemcpyDtoHAsync_v2(&before, a, 4, NULL), 0, "download on the legacy stream");
  expect(cuMemcpyHtoD_v2(a, &nine, 4), 0, "synchronous HtoD");
  expect(before, 8, "cuMemcpyHtoD begins after the queued download read the old bytes");

  /* DtoD after an upload pending on a blocking stream, and a read of its result. */
  int ones = 0x01010101;
  expect(cuMemcpyHtoDAsync_v2(a, &ones, 4, blocking), 0, "upload on a blocking stream");
  expect(cuMemcpyDtoD_v2(b, a, 4), 0, "synchronous DtoD");
  expect(cuMemcpyDtoH_v2(&read, b, 4), 0, "synchronous DtoH");
  expect(read, 0x01010101, "cuMemcpyDtoD copies what the queued upload wrote");

  /* A synchronous memset after a download pending on the legacy stream. */
  expect(cuMemcpyDtoHAsync_v2(&before, b, 4, NULL), 0, "download on the legacy stream");
  expect(cuMemsetD8_v2(b, 2, 4), 0, "synchronous memset");
  expect(before, 0x01010101, "cuMemsetD8 begins after the queued download");

  /* A non-blocking stream does not synchronise with the legacy stream: its upload stays queued. */
  int ten = 10;
  expect(cuMemcpyHtoDAsync_v2(a, &ten, 4, independent), 0, "upload on a non-blocking stream");
  expect(cuMemcpyDtoH_v2(&read, a, 4), 0, "synchronous DtoH");
  expect(read, 0x01010101, "lazy: a non-blocking stream's queued upload is not waited for");
  expect(cuStreamSynchronize(independent), 0, "sync the non-blocking stream");
  expect(cuMemcpyDtoH_v2(&read, a, 4), 0, "synchronous DtoH");
  expect(read, 10, "after its synchronisation the upload is seen");

  expect(cuStreamDestroy_v2(blocking), 0, "destroy");
  expect(cuStreamDestroy_v2(independent), 0, "destroy");
  expect(cuMemFree_v2(a), 0, "free a");
  expect(cuMemFree_v2(b), 0, "free b");
  if (failures == 0) {
    printf("sync_copy_test: all passed\n");
  }
  return failures == 0 ? 0 : 1;
}
