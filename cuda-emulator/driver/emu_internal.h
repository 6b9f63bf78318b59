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
