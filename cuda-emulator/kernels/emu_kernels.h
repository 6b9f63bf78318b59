/* The host-compiled Myelin kernels as the emulated CUDA driver sees them (cuda-emulator).
 * Every extern "C" __global__ kernel of kernels/src/main/cuda/ *.cu files, compiled by g++ against
 * cuda_emu.h, is listed here with its parameter layout and can be run over a grid on the calling
 * thread: the threads of a block are cooperative fibers, blocks run one after another. */
#ifndef MYELIN_EMU_KERNELS_H
#define MYELIN_EMU_KERNELS_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct { unsigned x, y, z; } emu_dim3;
typedef struct {
  const char *name;        /* extern "C" kernel name */
  int nparams;
  const size_t *param_sizes;
  const char *param_kinds; /* one char per param: 'p' pointer, 's' scalar/struct by value */
} emu_kernel_info;
const emu_kernel_info *myelin_emu_kernels(int *count);
/* Runs every block of the grid synchronously on the calling thread. args[i] points at param i's bytes.
   Returns 0, or non-zero with a message in err (deadlock at a barrier, bad block size, ...). */
int myelin_emu_launch(int kernel_index, emu_dim3 grid, emu_dim3 block, unsigned dynamic_shared_bytes,
                      void **args, char *err, size_t err_len);
void myelin_emu_set_racecheck(unsigned seed); /* 0 = off */

#ifdef __cplusplus
}
#endif
#endif
