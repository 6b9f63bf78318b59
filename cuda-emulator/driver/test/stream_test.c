/* Checks streams and events, in lazy mode (MYELIN_EMU_LAZY=1): an upload on a copy stream runs only
 * when something waits on it, so a compute-stream read without an event wait sees the old bytes and
 * with cuStreamWaitEvent sees the new ones; events query NOT_READY until their stream ran. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int cuInit(unsigned int);
int cuDevicePrimaryCtxRetain(void **, int);
int cuCtxSetCurrent(void *);
int cuMemAlloc_v2(uint64_t *, size_t);
int cuMemsetD8_v2(uint64_t, unsigned char, size_t);
int cuMemcpyHtoDAsync_v2(uint64_t, const void *, size_t, void *);
int cuMemcpyDtoHAsync_v2(void *, uint64_t, size_t, void *);
int cuStreamCreate(void **, unsigned int);
int cuStreamSynchronize(void *);
int cuStreamDestroy_v2(void *);
int cuEventCreate(void **, unsigned int);
int cuEventRecord(void *, void *);
int cuEventQuery(void *);
int cuEventSynchronize(void *);
int cuEventElapsedTime(float *, void *, void *);
int cuStreamWaitEvent(void *, void *, unsigned int);

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
  void *copy;
  void *compute;
  void *uploaded;
  void *start;
  uint64_t data;
  float millis = -1;
  expect(cuInit(0), 0, "cuInit");
  expect(cuDevicePrimaryCtxRetain(&context, 0), 0, "retain");
  expect(cuCtxSetCurrent(context), 0, "set current");
  expect(cuStreamCreate(&copy, 1), 0, "copy stream");
  expect(cuStreamCreate(&compute, 1), 0, "compute stream");
  expect(cuEventCreate(&uploaded, 0), 0, "event");
  expect(cuEventCreate(&start, 0), 0, "start event");
  expect(cuEventQuery(uploaded), 0, "an event never recorded is complete");
  expect(cuMemAlloc_v2(&data, 4), 0, "alloc");
  expect(cuMemsetD8_v2(data, 0, 4), 0, "zero");
  int value = 7;
  int read = -1;
  expect(cuEventRecord(start, copy), 0, "record start");
  expect(cuMemcpyHtoDAsync_v2(data, &value, 4, copy), 0, "upload on the copy stream");
  expect(cuEventRecord(uploaded, copy), 0, "record after the upload");
  expect(cuEventQuery(uploaded), 600, "lazy: the upload has not run, CUDA_ERROR_NOT_READY");
  expect(cuEventElapsedTime(&millis, start, uploaded), 600, "elapsed time before completion");
  expect(cuMemcpyDtoHAsync_v2(&read, data, 4, compute), 0, "read without a wait");
  expect(cuStreamSynchronize(compute), 0, "sync compute");
  expect(read, 0, "lazy: a read with no event wait sees the old bytes");
  expect(cuStreamWaitEvent(compute, uploaded, 0), 0, "wait for the upload");
  expect(cuMemcpyDtoHAsync_v2(&read, data, 4, compute), 0, "read after the wait");
  expect(cuStreamSynchronize(compute), 0, "sync compute");
  expect(read, 7, "after cuStreamWaitEvent the read sees the upload");
  expect(cuEventQuery(uploaded), 0, "the event completed");
  expect(cuEventSynchronize(uploaded), 0, "event synchronize");
  expect(cuEventElapsedTime(&millis, start, uploaded), 0, "elapsed time");
  expect(millis >= 0, 1, "elapsed time is not negative");
  expect(cuStreamDestroy_v2(copy), 0, "destroy");
  expect(cuStreamDestroy_v2(compute), 0, "destroy");
  if (failures == 0) {
    printf("stream_test: all passed\n");
  }
  return failures == 0 ? 0 : 1;
}
