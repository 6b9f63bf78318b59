/* Emulated driver: page-locked host memory is ordinary host memory here (nothing pages on the
 * emulated device), allocated 64-byte aligned; the calls still need a current context. The live
 * blocks are remembered so that memcheck accepts kernel arguments pointing into them (the device
 * can address pinned memory) and a free of anything else fails. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "emu_internal.h"

struct block {
  uint64_t base;
  size_t bytes;
  struct block *next;
};

static struct block *live;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int myelin_emu_in_pinned(uint64_t ptr, size_t bytes) {
  int inside = 0;
  pthread_mutex_lock(&lock);
  for (struct block *b = live; b != NULL; b = b->next) {
    if (ptr >= b->base && bytes <= b->bytes && ptr - b->base <= b->bytes - bytes) {
      inside = 1;
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  return inside;
}

int cuMemAllocHost_v2(void **pointer, size_t bytes) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (pointer == NULL || bytes == 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  status = myelin_emu_capture_unsafe_call("cuMemAllocHost");
  if (status != CUDA_SUCCESS) {
    return status;
  }
  struct block *b = malloc(sizeof *b);
  void *memory = NULL;
  if (b == NULL || posix_memalign(&memory, 64, bytes) != 0) {
    free(b);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  b->base = (uint64_t) (uintptr_t) memory;
  b->bytes = bytes;
  pthread_mutex_lock(&lock);
  b->next = live;
  live = b;
  pthread_mutex_unlock(&lock);
  *pointer = memory;
  return CUDA_SUCCESS;
}

int cuMemFreeHost(void *pointer) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  status = myelin_emu_capture_unsafe_call("cuMemFreeHost");
  if (status != CUDA_SUCCESS) {
    return status;
  }
  /* Like cuMemFree, this waits for work that may still read the block (a queued async copy). */
  myelin_emu_drain_all();
  pthread_mutex_lock(&lock);
  struct block **link = &live;
  while (*link != NULL && (*link)->base != (uint64_t) (uintptr_t) pointer) {
    link = &(*link)->next;
  }
  struct block *b = *link;
  if (b != NULL) {
    *link = b->next;
  }
  pthread_mutex_unlock(&lock);
  if (b == NULL) {
    fprintf(stderr, "myelin emulated driver memcheck: cuMemFreeHost of %p, not a live pinned block\n", pointer);
    return CUDA_ERROR_INVALID_VALUE;
  }
  free(b);
  free(pointer);
  return CUDA_SUCCESS;
}
