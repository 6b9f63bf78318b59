/* Emulated driver: the device's primary context (reference counted) and the per-thread current
 * context, as the driver API documents them: work without a current context fails with
 * CUDA_ERROR_INVALID_CONTEXT. */
#include <pthread.h>
#include <stddef.h>
#include "emu_internal.h"

struct emu_context { int device; };

static struct emu_context primary = { 0 };
static int primary_refs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local struct emu_context *current;

int cuDevicePrimaryCtxRetain(struct emu_context **context, int device) {
  if (!myelin_emu_initialised()) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (context == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (device != 0) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  pthread_mutex_lock(&lock);
  primary_refs++;
  pthread_mutex_unlock(&lock);
  *context = &primary;
  return CUDA_SUCCESS;
}

int cuDevicePrimaryCtxRelease_v2(int device) {
  if (!myelin_emu_initialised()) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (device != 0) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  int result = CUDA_SUCCESS;
  pthread_mutex_lock(&lock);
  if (primary_refs == 0) {
    result = CUDA_ERROR_INVALID_CONTEXT; /* released more often than retained */
  } else {
    primary_refs--;
  }
  pthread_mutex_unlock(&lock);
  return result;
}

int cuCtxSetCurrent(struct emu_context *context) {
  if (!myelin_emu_initialised()) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (context != NULL && context != &primary) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  current = context;
  return CUDA_SUCCESS;
}

int cuCtxGetCurrent(struct emu_context **context) {
  if (!myelin_emu_initialised()) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (context == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  *context = current;
  return CUDA_SUCCESS;
}

int cuCtxGetDevice(int *device) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (device == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  *device = current->device;
  return CUDA_SUCCESS;
}

static int sticky;

void myelin_emu_fail(int error) {
  __atomic_compare_exchange_n(&sticky, &(int) { CUDA_SUCCESS }, error, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

int myelin_emu_sticky_error(void) { return __atomic_load_n(&sticky, __ATOMIC_SEQ_CST); }

int myelin_emu_require_context(void) {
  if (!myelin_emu_initialised()) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  /* A current context whose primary context was released entirely is no longer usable. */
  if (current == NULL || primary_refs == 0) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  return myelin_emu_sticky_error();
}
