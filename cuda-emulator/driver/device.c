/* Emulated CUDA driver: initialisation and device queries (one device, "emulated", CC 9.0).
 * Return codes and attribute numbers follow the CUDA driver API (cuda.h) documentation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu_internal.h"


/* Attribute numbers of CUdevice_attribute used here. */
#define ATTR_MAX_THREADS_PER_BLOCK 1
#define ATTR_MAX_BLOCK_DIM_X 2
#define ATTR_MAX_BLOCK_DIM_Y 3
#define ATTR_MAX_BLOCK_DIM_Z 4
#define ATTR_MAX_GRID_DIM_X 5
#define ATTR_MAX_GRID_DIM_Y 6
#define ATTR_MAX_GRID_DIM_Z 7
#define ATTR_MAX_SHARED_MEMORY_PER_BLOCK 8
#define ATTR_WARP_SIZE 10
#define ATTR_MULTIPROCESSOR_COUNT 16
#define ATTR_COMPUTE_CAPABILITY_MAJOR 75
#define ATTR_COMPUTE_CAPABILITY_MINOR 76

static int initialised;

/* Total memory: 16 GiB unless MYELIN_EMU_MEMORY_BYTES lowers it (the out-of-memory tests). */
unsigned long long myelin_emu_total_memory(void) {
  const char *limit = getenv("MYELIN_EMU_MEMORY_BYTES");
  if (limit != NULL && *limit != '\0') {
    return strtoull(limit, NULL, 10);
  }
  return 16ULL << 30;
}

int myelin_emu_initialised(void) { return initialised; }

int cuInit(unsigned int flags) {
  if (flags != 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  /* MYELIN_EMU_RACECHECK=SEED (non-zero): every block's threads run between barriers in a seeded
   * order instead of in index order (cuda-emulator/kernels), so a missing __syncthreads changes
   * results. */
  const char *racecheck = getenv("MYELIN_EMU_RACECHECK");
  if (!initialised && racecheck != NULL && *racecheck != '\0') {
    myelin_emu_set_racecheck((unsigned) strtoul(racecheck, NULL, 10));
  }
  initialised = 1;
  return CUDA_SUCCESS;
}

int cuDriverGetVersion(int *version) {
  if (version == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  *version = 13000;
  return CUDA_SUCCESS;
}

int cuDeviceGetCount(int *count) {
  if (!initialised) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (count == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  *count = 1;
  return CUDA_SUCCESS;
}

int cuDeviceGet(int *device, int ordinal) {
  if (!initialised) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (device == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (ordinal != 0) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  *device = 0;
  return CUDA_SUCCESS;
}

int cuDeviceGetName(char *name, int len, int device) {
  if (!initialised) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (device != 0) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  if (name == NULL || len <= 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  snprintf(name, (size_t) len, "%s", "Myelin emulated CUDA device (CPU)");
  return CUDA_SUCCESS;
}

int cuDeviceTotalMem_v2(size_t *bytes, int device) {
  if (!initialised) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (device != 0) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  if (bytes == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  *bytes = (size_t) myelin_emu_total_memory();
  return CUDA_SUCCESS;
}

int cuDeviceGetAttribute(int *value, int attribute, int device) {
  if (!initialised) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (device != 0) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  if (value == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  switch (attribute) {
    case ATTR_MAX_THREADS_PER_BLOCK: *value = 1024; break;
    case ATTR_MAX_BLOCK_DIM_X: *value = 1024; break;
    case ATTR_MAX_BLOCK_DIM_Y: *value = 1024; break;
    case ATTR_MAX_BLOCK_DIM_Z: *value = 64; break;
    case ATTR_MAX_GRID_DIM_X: *value = 2147483647; break;
    case ATTR_MAX_GRID_DIM_Y: *value = 65535; break;
    case ATTR_MAX_GRID_DIM_Z: *value = 65535; break;
    case ATTR_MAX_SHARED_MEMORY_PER_BLOCK: *value = 49152; break;
    case ATTR_WARP_SIZE: *value = 32; break;
    case ATTR_MULTIPROCESSOR_COUNT: *value = 8; break;
    case ATTR_COMPUTE_CAPABILITY_MAJOR: *value = 9; break;
    case ATTR_COMPUTE_CAPABILITY_MINOR: *value = 0; break;
    default: *value = 0; break; /* an attribute not modelled reads as 0, never as garbage */
  }
  return CUDA_SUCCESS;
}
