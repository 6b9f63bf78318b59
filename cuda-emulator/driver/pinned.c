/* Emulated driver: page-locked host memory is ordinary host memory here (nothing pages on the
 * emulated device), allocated 64-byte aligned; the calls still need a current context. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "emu_internal.h"

int cuMemAllocHost_v2(void **pointer, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (pointer == NULL || bytes == 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  return posix_memalign(pointer, 64, bytes) == 0 ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

int cuMemFreeHost(void *pointer) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  free(pointer);
  return CUDA_SUCCESS;
}
