/* Internal interface between the emulated driver's parts (not exported to JCuda as CUDA calls). */
#ifndef MYELIN_EMU_INTERNAL_H
#define MYELIN_EMU_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#define CUDA_SUCCESS 0
#define CUDA_ERROR_INVALID_VALUE 1
#define CUDA_ERROR_OUT_OF_MEMORY 2
#define CUDA_ERROR_NOT_INITIALIZED 3
#define CUDA_ERROR_INVALID_DEVICE 101
#define CUDA_ERROR_INVALID_HANDLE 400
#define CUDA_ERROR_NOT_READY 600
#define CUDA_ERROR_INVALID_CONTEXT 201
#define CUDA_ERROR_ILLEGAL_ADDRESS 700
#define CUDA_ERROR_INVALID_IMAGE 200
#define CUDA_ERROR_ILLEGAL_STATE 401
#define CUDA_ERROR_NOT_FOUND 500
#define CUDA_ERROR_LAUNCH_FAILED 719
#define CUDA_ERROR_NOT_SUPPORTED 801
#define CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED 900
#define CUDA_ERROR_STREAM_CAPTURE_INVALIDATED 901
#define CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD 908

#include "../kernels/emu_kernels.h"

/* A CUfunction: one host-compiled kernel of a loaded module. */
struct emu_module;
struct emu_function {
  int kernel_index;
  const emu_kernel_info *info;
  struct emu_module *module;
};

/* A fault of asynchronous work (a kernel that failed or wrote past an allocation) makes the context
 * unusable, as on the device: every later call that needs the context returns this error. */
void myelin_emu_fail(int error);
int myelin_emu_sticky_error(void);
/* 1 when [ptr, ptr + bytes) lies inside one live pinned host block. */
int myelin_emu_in_pinned(uint64_t ptr, size_t bytes);
/* Records that kernel touched the device allocation holding ptr and checks that allocation's guard
 * canaries: CUDA_SUCCESS, or CUDA_ERROR_ILLEGAL_ADDRESS after naming kernel and argument on stderr
 * (the canaries are then restored, so one overwrite is reported once). */
int myelin_emu_check_guard(uint64_t ptr, const char *kernel, int argument);
/* Stream capture: a "potentially unsafe" call (allocation, synchronous copy, module load, host
 * wait) is legal unless the calling thread's capture mode and the running captures forbid it; then
 * the forbidding captures are invalidated and CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED returned. */
int myelin_emu_capture_unsafe_call(const char *call);
/* Runs every stream's queued work (a device synchronisation). */
void myelin_emu_drain_all(void);
/* Runs the work a call on the legacy default stream must follow: the legacy stream's queue and
 * every blocking stream's (the legacy stream's implicit synchronisation); non-blocking streams
 * are not ordered with it. Returns the sticky error, or CUDA_SUCCESS. */
int myelin_emu_legacy_stream_wait(void);

unsigned long long myelin_emu_total_memory(void);
int myelin_emu_initialised(void);
/* CUDA_SUCCESS when the calling thread has a current context, else the driver's error for it. */
int myelin_emu_require_context(void);
/* 1 when [ptr, ptr + bytes) lies inside one live device allocation. */
int myelin_emu_in_allocation(uint64_t ptr, size_t bytes);
/* Stream internals exported for the cuBLAS stand-in: fn(ctx) runs in stream order; ctx's bytes are
 * copied at enqueue. A NULL stream is the default stream. Returns a CUDA_ERROR_* code. */
struct emu_stream;
int myelin_emu_enqueue(struct emu_stream *stream, void (*fn)(void *ctx), const void *ctx, size_t bytes);
#endif
