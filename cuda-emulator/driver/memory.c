/* Emulated driver: device memory with memcheck. Each allocation is host memory with a guard
 * region filled with a canary pattern on both sides; every pointer a copy names must lie inside
 * one live allocation (base plus extent), else the copy fails naming the argument; a free checks
 * the canaries, so a write past either end is reported, never silently corrupting a neighbour.
 * The total is bounded by the device's total memory (MYELIN_EMU_MEMORY_BYTES lowers it), so the
 * out-of-memory paths are reachable. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu_internal.h"

/* Also the alignment: the block starts on ALIGNMENT, so the user bytes after the guard do too. */
#define GUARD 256
/* cuMemAlloc's memory "is suitably aligned for any kind of variable"; the driver gives at least
 * 256 bytes, and libraries rely on it (cuBLAS refuses a workspace aligned to less). */
#define ALIGNMENT 256
_Static_assert(GUARD % ALIGNMENT == 0, "the guard keeps the user bytes aligned");
#define CANARY 0xA5

struct allocation {
  unsigned char *base; /* start of the guard before the user bytes */
  uint64_t user;       /* device pointer handed out */
  size_t bytes;
  const char *last_kernel; /* the last kernel given a pointer into it, named when its guard breaks */
  struct allocation *next;
};

static struct allocation *live;
static size_t used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int canaries_intact(const struct allocation *a) {
  const unsigned char *after = a->base + GUARD + a->bytes;
  for (size_t i = 0; i < GUARD; i++) {
    if (a->base[i] != CANARY || after[i] != CANARY) {
      return 0;
    }
  }
  return 1;
}

int myelin_emu_in_allocation(uint64_t ptr, size_t bytes) {
  int inside = 0;
  pthread_mutex_lock(&lock);
  for (struct allocation *a = live; a != NULL; a = a->next) {
    if (ptr >= a->user && bytes <= a->bytes && ptr - a->user <= a->bytes - bytes) {
      inside = 1;
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  return inside;
}

/* Caller holds the lock. The allocation holding ptr (one past the end counts), or NULL. */
static struct allocation *holding(uint64_t ptr) {
  for (struct allocation *a = live; a != NULL; a = a->next) {
    if (ptr >= a->user && ptr - a->user <= a->bytes) {
      return a;
    }
  }
  return NULL;
}

int myelin_emu_check_guard(uint64_t ptr, const char *kernel, int argument) {
  int status = CUDA_SUCCESS;
  pthread_mutex_lock(&lock);
  struct allocation *a = holding(ptr);
  if (a != NULL) {
    a->last_kernel = kernel;
    if (!canaries_intact(a)) {
      fprintf(stderr, "myelin emulated driver memcheck: kernel %s wrote outside the allocation 0x%llx "
              "(%zu bytes) that its argument %d points into: its guard was overwritten\n", kernel,
              (unsigned long long) a->user, a->bytes, argument);
      memset(a->base, CANARY, GUARD);
      memset(a->base + GUARD + a->bytes, CANARY, GUARD);
      status = CUDA_ERROR_ILLEGAL_ADDRESS;
    }
  }
  pthread_mutex_unlock(&lock);
  return status;
}

/* Fails a call naming the pointer argument outside every live allocation. */
static int check_range(const char *call, const char *argument, uint64_t ptr, size_t bytes) {
  if (myelin_emu_in_allocation(ptr, bytes)) {
    return CUDA_SUCCESS;
  }
  fprintf(stderr, "myelin emulated driver memcheck: %s argument %s = 0x%llx (+%zu bytes) is not "
          "inside a live device allocation\n", call, argument, (unsigned long long) ptr, bytes);
  return CUDA_ERROR_INVALID_VALUE;
}

int cuMemAlloc_v2(uint64_t *pointer, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (pointer == NULL || bytes == 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  status = myelin_emu_capture_unsafe_call("cuMemAlloc");
  if (status != CUDA_SUCCESS) {
    return status;
  }
  pthread_mutex_lock(&lock);
  if (bytes > myelin_emu_total_memory() - used) {
    pthread_mutex_unlock(&lock);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  struct allocation *a = malloc(sizeof *a);
  void *block = NULL;
  if (posix_memalign(&block, ALIGNMENT, bytes + 2 * GUARD) != 0) {
    block = NULL;
  }
  unsigned char *base = block;
  if (a == NULL || base == NULL) {
    pthread_mutex_unlock(&lock);
    free(a);
    free(base);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  memset(base, CANARY, GUARD);
  memset(base + GUARD + bytes, CANARY, GUARD);
  a->base = base;
  a->user = (uint64_t) (uintptr_t) (base + GUARD);
  a->bytes = bytes;
  a->last_kernel = NULL;
  a->next = live;
  live = a;
  used += bytes;
  pthread_mutex_unlock(&lock);
  *pointer = a->user;
  return CUDA_SUCCESS;
}

int cuMemFree_v2(uint64_t pointer) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  status = myelin_emu_capture_unsafe_call("cuMemFree");
  if (status != CUDA_SUCCESS) {
    return status;
  }
  /* cuMemFree waits for the work that may still use the memory (it synchronises the device). */
  myelin_emu_drain_all();
  pthread_mutex_lock(&lock);
  struct allocation **link = &live;
  while (*link != NULL && (*link)->user != pointer) {
    link = &(*link)->next;
  }
  struct allocation *a = *link;
  if (a == NULL) {
    pthread_mutex_unlock(&lock);
    fprintf(stderr, "myelin emulated driver memcheck: cuMemFree of 0x%llx, not a live allocation\n",
            (unsigned long long) pointer);
    return CUDA_ERROR_INVALID_VALUE;
  }
  *link = a->next;
  used -= a->bytes;
  pthread_mutex_unlock(&lock);
  int intact = canaries_intact(a);
  if (!intact) {
    fprintf(stderr, "myelin emulated driver memcheck: the guard of allocation 0x%llx (%zu bytes) "
            "was overwritten; the last kernel given a pointer into it: %s\n", (unsigned long long) a->user,
            a->bytes, a->last_kernel != NULL ? a->last_kernel : "none");
  }
  free(a->base);
  free(a);
  return intact ? CUDA_SUCCESS : CUDA_ERROR_ILLEGAL_ADDRESS;
}

int cuMemGetInfo_v2(size_t *free_bytes, size_t *total_bytes) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (free_bytes == NULL || total_bytes == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  pthread_mutex_lock(&lock);
  *total_bytes = (size_t) myelin_emu_total_memory();
  *free_bytes = *total_bytes - used;
  pthread_mutex_unlock(&lock);
  return CUDA_SUCCESS;
}

/* The synchronous copies and memset are issued on the legacy default stream: they begin after the
 * work queued before them there and on every blocking stream (CUDA's "API synchronization
 * behavior" and "default stream" pages), which in lazy mode has not run yet; the copy then runs
 * at once, so cuMemcpyDtoH returns with the bytes in host memory. A fault of that earlier work is
 * returned, as the driver returns it from the next synchronising call. */
int cuMemcpyHtoD_v2(uint64_t destination, const void *source, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_capture_unsafe_call("cuMemcpyHtoD");
  }
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = source == NULL ? CUDA_ERROR_INVALID_VALUE
                            : check_range("cuMemcpyHtoD", "dstDevice", destination, bytes);
  }
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_legacy_stream_wait();
  }
  if (status == CUDA_SUCCESS) {
    memcpy((void *) (uintptr_t) destination, source, bytes);
  }
  return status;
}

int cuMemcpyDtoH_v2(void *destination, uint64_t source, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_capture_unsafe_call("cuMemcpyDtoH");
  }
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = destination == NULL ? CUDA_ERROR_INVALID_VALUE
                                 : check_range("cuMemcpyDtoH", "srcDevice", source, bytes);
  }
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_legacy_stream_wait();
  }
  if (status == CUDA_SUCCESS) {
    memcpy(destination, (const void *) (uintptr_t) source, bytes);
  }
  return status;
}

int cuMemcpyDtoD_v2(uint64_t destination, uint64_t source, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_capture_unsafe_call("cuMemcpyDtoD");
  }
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = check_range("cuMemcpyDtoD", "dstDevice", destination, bytes);
  }
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = check_range("cuMemcpyDtoD", "srcDevice", source, bytes);
  }
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_legacy_stream_wait();
  }
  if (status == CUDA_SUCCESS) {
    memmove((void *) (uintptr_t) destination, (const void *) (uintptr_t) source, bytes);
  }
  return status;
}

int cuMemsetD8_v2(uint64_t destination, unsigned char value, size_t count) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_capture_unsafe_call("cuMemsetD8");
  }
  if (status == CUDA_SUCCESS && count > 0) {
    status = check_range("cuMemsetD8", "dstDevice", destination, count);
  }
  if (status == CUDA_SUCCESS) {
    status = myelin_emu_legacy_stream_wait();
  }
  if (status == CUDA_SUCCESS) {
    memset((void *) (uintptr_t) destination, value, count);
  }
  return status;
}

/* Asynchronous copies: the range is checked at enqueue; the bytes move when the stream runs the
 * copy (in lazy mode possibly much later), reading the host buffer then, as the hardware does. */
struct copy { void *destination; const void *source; size_t bytes; };

static void run_copy(void *ctx) {
  const struct copy *c = ctx;
  memmove(c->destination, c->source, c->bytes);
}

static int enqueue_copy(struct emu_stream *stream, void *destination, const void *source, size_t bytes) {
  struct copy c = { destination, source, bytes };
  return bytes == 0 ? myelin_emu_require_context() : myelin_emu_enqueue(stream, run_copy, &c, sizeof c);
}

int cuMemcpyHtoDAsync_v2(uint64_t destination, const void *source, size_t bytes, struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = source == NULL ? CUDA_ERROR_INVALID_VALUE
                            : check_range("cuMemcpyHtoDAsync", "dstDevice", destination, bytes);
  }
  return status != CUDA_SUCCESS ? status
                                : enqueue_copy(stream, (void *) (uintptr_t) destination, source, bytes);
}

int cuMemcpyDtoHAsync_v2(void *destination, uint64_t source, size_t bytes, struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = destination == NULL ? CUDA_ERROR_INVALID_VALUE
                                 : check_range("cuMemcpyDtoHAsync", "srcDevice", source, bytes);
  }
  return status != CUDA_SUCCESS ? status
                                : enqueue_copy(stream, destination, (const void *) (uintptr_t) source, bytes);
}

int cuMemcpyDtoDAsync_v2(uint64_t destination, uint64_t source, size_t bytes, struct emu_stream *stream) {
  int status = myelin_emu_require_context();
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = check_range("cuMemcpyDtoDAsync", "dstDevice", destination, bytes);
  }
  if (status == CUDA_SUCCESS && bytes > 0) {
    status = check_range("cuMemcpyDtoDAsync", "srcDevice", source, bytes);
  }
  return status != CUDA_SUCCESS ? status
                                : enqueue_copy(stream, (void *) (uintptr_t) destination,
                                               (const void *) (uintptr_t) source, bytes);
}
