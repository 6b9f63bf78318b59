// Internal: one generated entry per kernel (gen_registry.py) and the runtime's view of them.
#pragma once
#include <stddef.h>
#include "emu_kernels.h"

namespace emu {
struct Entry {
  emu_kernel_info info;
  size_t ctx_size;                         // bytes of the unpacked parameter block
  void (*unpack)(void** args, void* ctx);  // copies args[i] into the block (memcpy, any alignment)
  void (*body)(const void* ctx);           // one CUDA thread: calls the kernel with the block's values
};
}  // namespace emu

extern "C" const emu::Entry* const* myelin_emu_entries(int* count) __attribute__((visibility("hidden")));
