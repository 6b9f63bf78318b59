#define _POSIX_C_SOURCE 200809L
/* Checks the emulated driver's device queries and the not-supported stubs against the driver API's
 * documented results. Linked against libcuda.so.1 from build.sh; exit code 0 when all pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cuInit(unsigned int);
int cuDeviceGetCount(int *);
int cuDeviceGet(int *, int);
int cuDeviceGetName(char *, int, int);
int cuDeviceTotalMem_v2(size_t *, int);
int cuDeviceGetAttribute(int *, int, int);
int cuCtxAttach(void *, int); /* not modelled: a stub */

static int failures;

static void expect(int actual, int expected, const char *what) {
  if (actual != expected) {
    fprintf(stderr, "FAIL %s: %d, expected %d\n", what, actual, expected);
    failures++;
  }
}

int main(void) {
  int count = -1;
  int device = -1;
  int value = -1;
  char name[128];
  size_t bytes = 0;
  expect(cuDeviceGetCount(&count), 3, "cuDeviceGetCount before cuInit is CUDA_ERROR_NOT_INITIALIZED");
  expect(cuInit(1), 1, "cuInit(1) is CUDA_ERROR_INVALID_VALUE (flags must be 0)");
  expect(cuInit(0), 0, "cuInit(0)");
  expect(cuDeviceGetCount(&count), 0, "cuDeviceGetCount");
  expect(count, 1, "device count");
  expect(cuDeviceGet(&device, 1), 101, "cuDeviceGet(1) is CUDA_ERROR_INVALID_DEVICE");
  expect(cuDeviceGet(&device, 0), 0, "cuDeviceGet(0)");
  expect(cuDeviceGetName(name, sizeof name, 0), 0, "cuDeviceGetName");
  expect(strstr(name, "emulated") != NULL, 1, "the device name says emulated");
  expect(cuDeviceGetAttribute(&value, 75, 0), 0, "compute capability major");
  expect(value, 9, "compute capability major value");
  expect(cuDeviceGetAttribute(&value, 76, 0), 0, "compute capability minor");
  expect(value, 0, "compute capability minor value");
  setenv("MYELIN_EMU_MEMORY_BYTES", "1048576", 1);
  expect(cuDeviceTotalMem_v2(&bytes, 0), 0, "cuDeviceTotalMem_v2");
  expect((int) (bytes == 1048576), 1, "MYELIN_EMU_MEMORY_BYTES lowers the total memory");
  expect(cuCtxAttach(NULL, 0), 801, "a call not modelled is CUDA_ERROR_NOT_SUPPORTED");
  expect(cuCtxAttach(NULL, 0), 801, "and stays so");
  if (failures == 0) {
    printf("device_test: all passed\n");
  }
  return failures == 0 ? 0 : 1;
}
