/* Emulated driver: modules and functions. A module is loaded from the real images the build makes
 * (a fatbin from nvcc -fatbin, also a cubin ELF or PTX text for cuModuleLoadData); its functions
 * are the host-compiled kernels (cuda-emulator/kernels registry) whose names the image contains as
 * entry symbols. cuModuleGetFunction of a name the module does not hold fails with
 * CUDA_ERROR_NOT_FOUND, as the driver does; so is a name in the image without a host kernel (the
 * registry is generated from the same .cu files, so that cannot happen for the build's images). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu_internal.h"
#include "../kernels/emu_kernels.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define FATBIN_WRAPPER_MAGIC 0x466243B1u

struct emu_module {
  int count;
  struct emu_function *functions; /* one per registry kernel named in the image */
};

static int identifier_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int by_name(const void *a, const void *b) {
  const emu_kernel_info *x = *(const emu_kernel_info *const *) a;
  const emu_kernel_info *y = *(const emu_kernel_info *const *) b;
  return strcmp(x->name, y->name);
}

static const emu_kernel_info **sorted;
static int registered;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static void sort_registry(void) {
  const emu_kernel_info *all = myelin_emu_kernels(&registered);
  sorted = malloc(sizeof *sorted * (size_t) (registered > 0 ? registered : 1));
  for (int i = 0; i < registered; i++) {
    sorted[i] = &all[i];
  }
  qsort(sorted, (size_t) registered, sizeof *sorted, by_name);
}

/* The registry sorted by name (built once; the registry is static). */
static const emu_kernel_info **sorted_registry(int *count) {
  pthread_once(&sorted_once, sort_registry);
  *count = registered;
  return sorted;
}

/* The size of the image at image, or 0 when it is none of fatbin, cubin ELF, PTX text. */
static size_t image_size(const unsigned char *image, int fatbin_only) {
  uint32_t magic;
  memcpy(&magic, image, sizeof magic);
  if (magic == FATBIN_MAGIC) {
    uint16_t header;
    uint64_t body;
    memcpy(&header, image + 6, sizeof header);
    memcpy(&body, image + 8, sizeof body);
    return header + body;
  }
  if (fatbin_only) {
    return 0;
  }
  if (memcmp(image, "\177ELF", 4) == 0 && image[4] == 2) { /* 64-bit ELF: end of the section table */
    uint64_t shoff;
    uint16_t shentsize;
    uint16_t shnum;
    memcpy(&shoff, image + 0x28, sizeof shoff);
    memcpy(&shentsize, image + 0x3A, sizeof shentsize);
    memcpy(&shnum, image + 0x3C, sizeof shnum);
    return shoff + (uint64_t) shentsize * shnum;
  }
  const char *text = (const char *) image;
  if (strncmp(text, "//", 2) == 0 || strncmp(text, ".version", 8) == 0) {
    return strlen(text);
  }
  return 0;
}

static int load(struct emu_module **module, const void *image, int fatbin_only) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  status = myelin_emu_capture_unsafe_call("cuModuleLoad");
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (module == NULL || image == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  const unsigned char *bytes = image;
  uint32_t magic;
  memcpy(&magic, bytes, sizeof magic);
  if (magic == FATBIN_WRAPPER_MAGIC) { /* __fatBinC_Wrapper_t { magic, version, data, ... } */
    memcpy(&bytes, bytes + 8, sizeof bytes);
  }
  size_t size = image_size(bytes, fatbin_only);
  if (size == 0) {
    return CUDA_ERROR_INVALID_IMAGE;
  }
  int count;
  const emu_kernel_info **names = sorted_registry(&count);
  char *found = calloc((size_t) (count > 0 ? count : 1), 1);
  struct emu_module *m = calloc(1, sizeof *m);
  if (found == NULL || m == NULL) {
    free(found);
    free(m);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  /* Every identifier token of the image (entry symbols appear in the ELF string tables and as
   * ".entry name" in PTX) is looked up among the registry's names. */
  char token[256];
  for (size_t i = 0; i < size;) {
    if (!identifier_char(bytes[i])) {
      i++;
      continue;
    }
    size_t start = i;
    while (i < size && identifier_char(bytes[i])) {
      i++;
    }
    size_t length = i - start;
    if (length < 3 || length >= sizeof token) {
      continue;
    }
    memcpy(token, bytes + start, length);
    token[length] = '\0';
    emu_kernel_info key = { token, 0, NULL, NULL };
    const emu_kernel_info *key_ptr = &key;
    const emu_kernel_info **hit = bsearch(&key_ptr, names, (size_t) count, sizeof *sorted, by_name);
    if (hit != NULL) {
      found[hit - names] = 1;
    }
  }
  for (int i = 0; i < count; i++) {
    m->count += found[i];
  }
  m->functions = calloc((size_t) (m->count > 0 ? m->count : 1), sizeof *m->functions);
  if (m->functions == NULL) {
    free(found);
    free(m);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  const emu_kernel_info *all = myelin_emu_kernels(&count);
  for (int i = 0, f = 0; i < count; i++) {
    if (found[i]) {
      m->functions[f].info = names[i];
      m->functions[f].kernel_index = (int) (names[i] - all);
      m->functions[f].module = m;
      f++;
    }
  }
  free(found);
  *module = m;
  return CUDA_SUCCESS;
}

int cuModuleLoadFatBinary(struct emu_module **module, const void *fatbin) {
  return load(module, fatbin, 1);
}

int cuModuleLoadData(struct emu_module **module, const void *image) {
  return load(module, image, 0);
}

int cuModuleLoadDataEx(struct emu_module **module, const void *image, unsigned int options,
                       void *option_keys, void **option_values) {
  (void) option_keys;
  (void) option_values;
  (void) options; /* JIT options (log buffers, optimisation level) change nothing here */
  return load(module, image, 0);
}

int cuModuleUnload(struct emu_module *module) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (module == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  free(module->functions);
  free(module);
  return CUDA_SUCCESS;
}

int cuModuleGetFunction(struct emu_function **function, struct emu_module *module, const char *name) {
  int status = myelin_emu_require_context();
  if (status != CUDA_SUCCESS) {
    return status;
  }
  if (function == NULL || name == NULL) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (module == NULL) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  for (int i = 0; i < module->count; i++) {
    if (strcmp(module->functions[i].info->name, name) == 0) {
      *function = &module->functions[i];
      return CUDA_SUCCESS;
    }
  }
  return CUDA_ERROR_NOT_FOUND;
}
