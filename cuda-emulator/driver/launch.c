/* Emulated driver: cuLaunchKernel. The argument bytes are copied when the launch is enqueued (as the
 * driver does: the caller may reuse its buffers at once), sized from the kernel's registered
 * parameter list; grid, block and shared-memory limits are checked as the driver checks them.
 * Memcheck: every pointer argument must point into a live device allocation or pinned block (NULL
 * is allowed: kernels take optional pointers), else the launch fails naming kernel and argument;
 * after the kernel ran, the guard canaries of every allocation its pointers name are checked, so a
 * write past the end is reported naming the kernel and argument. A kernel that fails (a barrier not
 * every thread reaches, a guard overwritten) makes the context's error sticky, as a device fault
 * does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu_internal.h"

#define MAX_PARAMS 64

struct launch {
  int kernel_index;
  const char *name;
  emu_dim3 grid;
  emu_dim3 block;
  unsigned shared_bytes;
  int nparams;
  size_t offsets[MAX_PARAMS];
  unsigned char bytes[]; /* the parameters, each at its offset (8-byte aligned) */
};

static void run_launch(void *ctx) {
  struct launch *l = ctx;
  if (myelin_emu_sticky_error() != CUDA_SUCCESS) {
    return; /* after a fault the device runs nothing more */
  }
  void *args[MAX_PARAMS];
  for (int i = 0; i < l->nparams; i++) {
    args[i] = l->bytes + l->offsets[i];
  }
  char err[512];
  if (myelin_emu_launch(l->kernel_index, l->grid, l->block, l->shared_bytes, args, err, sizeof err) != 0) {
    fprintf(stderr, "myelin emulated driver: kernel %s failed: %s\n", l->name, err);
    myelin_emu_fail(CUDA_ERROR_LAUNCH_FAILED);
    return;
  }
  int count;
  const emu_kernel_info *info = &myelin_emu_kernels(&count)[l->kernel_index];
  for (int i = 0; i < l->nparams; i++) {
    uint64_t p;
    if (info->param_kinds[i] == 'p' && (memcpy(&p, args[i], sizeof p), p != 0)
        && myelin_emu_check_guard(p, l->name, i) != CUDA_SUCCESS) {
      myelin_emu_fail(CUDA_ERROR_ILLEGAL_ADDRESS);
    }
  }
}

static int bad_launch(const char *name, const char *why) {
  fprintf(stderr, "myelin emulated driver: cuLaunchKernel(%s): %s\n", name, why);
  return CUDA_ERROR_INVALID_VALUE;
}

int cuLaunchKernel(struct emu_function *f, unsigned grid_x, unsigned grid_y, unsigned grid_z,
                   unsigned block_x, unsigned block_y, unsigned block_z, unsigned shared_bytes,
                   struct emu_stream *stream, void **params, void **extra) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (f == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  const emu_kernel_info *info = f->info;
  /* The device's limits (device.c reports the same): block x, y <= 1024, z <= 64, at most 1024
   * threads; grid x < 2^31, y, z <= 65535; 48 KiB static plus dynamic shared memory by default. */
  if (block_x == 0 || block_y == 0 || block_z == 0 || block_x > 1024 || block_y > 1024 || block_z > 64
      || (unsigned long long) block_x * block_y * block_z > 1024) {
    return bad_launch(info->name, "block dimensions outside the device's limits");
  }
  if (grid_x == 0 || grid_y == 0 || grid_z == 0 || grid_x > 2147483647u || grid_y > 65535 || grid_z > 65535) {
    return bad_launch(info->name, "grid dimensions outside the device's limits");
  }
  if (shared_bytes > 48 * 1024) {
    return bad_launch(info->name, "more dynamic shared memory than a block may use without cuFuncSetAttribute");
  }
  if (extra != NULL) {
    fprintf(stderr, "myelin emulated driver: cuLaunchKernel(%s): the extra argument form is not supported\n",
            info->name);
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  if (info->nparams > MAX_PARAMS) {
    return bad_launch(info->name, "more parameters than the emulator supports");
  }
  if (info->nparams > 0 && params == NULL) {
    return bad_launch(info->name, "kernelParams is NULL");
  }
  size_t total = 0;
  size_t offsets[MAX_PARAMS];
  for (int i = 0; i < info->nparams; i++) {
    if (params[i] == NULL) {
      fprintf(stderr, "myelin emulated driver: cuLaunchKernel(%s): kernelParams[%d] is NULL\n", info->name, i);
      return CUDA_ERROR_INVALID_VALUE;
    }
    offsets[i] = total;
    total += (info->param_sizes[i] + 7) & ~(size_t) 7;
  }
  for (int i = 0; i < info->nparams; i++) {
    if (info->param_kinds[i] != 'p') {
      continue;
    }
    uint64_t p;
    memcpy(&p, params[i], sizeof p);
    if (p != 0 && !myelin_emu_in_allocation(p, 0) && !myelin_emu_in_pinned(p, 0)) {
      fprintf(stderr, "myelin emulated driver memcheck: cuLaunchKernel(%s) argument %d = 0x%llx is not "
              "inside a live device allocation or pinned block\n", info->name, i, (unsigned long long) p);
      return CUDA_ERROR_INVALID_VALUE;
    }
  }
  struct launch *l = malloc(sizeof *l + total);
  if (l == NULL) {
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  l->kernel_index = f->kernel_index;
  l->name = info->name;
  l->grid = (emu_dim3) { grid_x, grid_y, grid_z };
  l->block = (emu_dim3) { block_x, block_y, block_z };
  l->shared_bytes = shared_bytes;
  l->nparams = info->nparams;
  for (int i = 0; i < info->nparams; i++) {
    l->offsets[i] = offsets[i];
    memcpy(l->bytes + offsets[i], params[i], info->param_sizes[i]);
  }
  status = myelin_emu_enqueue(stream, run_launch, l, sizeof *l + total);
  free(l);
  if (status == CUDA_SUCCESS) {
    /* In eager mode the kernel already ran: its fault is this call's result, as the driver may
     * report errors of earlier asynchronous work at any later call. */
    status = myelin_emu_sticky_error();
  }
  return status;
}

int cuFuncGetAttribute(int *value, int attribute, struct emu_function *f) {
  if (value == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (f == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  switch (attribute) {
    case 0: /* CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK */
      *value = 1024;
      return CUDA_SUCCESS;
    case 1: /* SHARED_SIZE_BYTES: static shared memory is not measured on the host */
    case 2: /* CONST_SIZE_BYTES */
    case 3: /* LOCAL_SIZE_BYTES */
      *value = 0;
      return CUDA_SUCCESS;
    case 4: /* NUM_REGS */
      *value = 32;
      return CUDA_SUCCESS;
    case 5: /* PTX_VERSION */
    case 6: /* BINARY_VERSION */
      *value = 90;
      return CUDA_SUCCESS;
    default:
      return CUDA_ERROR_INVALID_VALUE;
  }
}
