/* Checks modules, cuLaunchKernel, memcheck of launches, stream capture and graphs against the driver
 * API's documented behaviour, with the build's real fatbins (argv[1]: the folder holding them).
 * Kernel used: philox_words_i32(out, blocks, seed, counter) writes 4 words per block index. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int cuInit(unsigned int);
int cuDevicePrimaryCtxRetain(void **, int);
int cuCtxSetCurrent(void *);
int cuMemAlloc_v2(uint64_t *, size_t);
int cuMemFree_v2(uint64_t);
int cuMemsetD8_v2(uint64_t, unsigned char, size_t);
int cuMemcpyDtoH_v2(void *, uint64_t, size_t);
int cuMemcpyHtoDAsync_v2(uint64_t, const void *, size_t, void *);
int cuStreamCreate(void **, unsigned int);
int cuStreamSynchronize(void *);
int cuModuleLoadFatBinary(void **, const void *);
int cuModuleLoadData(void **, const void *);
int cuModuleGetFunction(void **, void *, const char *);
int cuModuleUnload(void *);
int cuLaunchKernel(void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void *,
                   void **, void **);
int cuStreamBeginCapture_v2(void *, int);
int cuStreamEndCapture(void *, void **);
int cuStreamIsCapturing(void *, int *);
int cuThreadExchangeStreamCaptureMode(int *);
int cuGraphInstantiateWithFlags(void **, void *, unsigned long long);
int cuGraphLaunch(void *, void *);
int cuGraphExecDestroy(void *);
int cuGraphDestroy(void *);

static int failures;

static void expect(int actual, int expected, const char *what) {
  if (actual != expected) {
    fprintf(stderr, "FAIL %s: %d, expected %d\n", what, actual, expected);
    failures++;
  }
}

static void *read_file(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "FAIL cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  void *bytes = malloc((size_t) n);
  if (fread(bytes, 1, (size_t) n, f) != (size_t) n) {
    exit(1);
  }
  fclose(f);
  return bytes;
}

static void *philox;

/* Launches philox_words_i32 over blocks indices into out. */
static int words(void *stream, uint64_t out, long long blocks, unsigned long long seed, unsigned long long counter) {
  void *params[] = { &out, &blocks, &seed, &counter };
  return cuLaunchKernel(philox, 2, 1, 1, 32, 1, 1, 0, stream, params, NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: launch_test FATBIN_DIR\n");
    return 2;
  }
  void *context;
  void *stream;
  expect(cuInit(0), 0, "cuInit");
  expect(cuDevicePrimaryCtxRetain(&context, 0), 0, "retain");
  expect(cuCtxSetCurrent(context), 0, "set current");
  expect(cuStreamCreate(&stream, 1), 0, "stream");

  /* Modules: the build's fatbins, by either call; functions resolve against the image's entries. */
  void *elementwise = NULL;
  void *random = NULL;
  void *function = NULL;
  expect(cuModuleLoadFatBinary(&elementwise, read_file(argv[1], "elementwise.fatbin")), 0, "load elementwise.fatbin");
  expect(cuModuleLoadData(&random, read_file(argv[1], "random.fatbin")), 0, "cuModuleLoadData random.fatbin");
  expect(cuModuleGetFunction(&function, elementwise, "add_f32"), 0, "add_f32 in elementwise");
  expect(cuModuleGetFunction(&function, elementwise, "philox_words_i32"), 500, "philox_words_i32 not in elementwise");
  expect(cuModuleGetFunction(&function, random, "no_such_kernel"), 500, "unknown name: CUDA_ERROR_NOT_FOUND");
  expect(cuModuleGetFunction(&philox, random, "philox_words_i32"), 0, "philox_words_i32 in random");
  void *bad = NULL;
  expect(cuModuleLoadData(&bad, "not an image at all"), 200, "garbage: CUDA_ERROR_INVALID_IMAGE");

  /* Launch: runs, and the argument bytes are copied at enqueue. */
  uint64_t out;
  uint64_t again;
  unsigned expected[32];
  unsigned actual[32];
  expect(cuMemAlloc_v2(&out, sizeof expected), 0, "alloc out");
  expect(cuMemAlloc_v2(&again, sizeof expected), 0, "alloc again");
  expect(words(stream, out, 8, 42, 7), 0, "launch");
  expect(cuStreamSynchronize(stream), 0, "sync");
  expect(cuMemcpyDtoH_v2(expected, out, sizeof expected), 0, "read");
  int nonzero = 0;
  for (int i = 0; i < 32; i++) {
    nonzero += expected[i] != 0;
  }
  expect(nonzero > 24, 1, "the kernel wrote its words");
  setenv("MYELIN_EMU_LAZY", "1", 1);
  unsigned long long seed = 42;
  long long blocks = 8;
  unsigned long long counter = 7;
  void *params[] = { &again, &blocks, &seed, &counter };
  expect(cuLaunchKernel(philox, 2, 1, 1, 32, 1, 1, 0, stream, params, NULL), 0, "lazy launch");
  seed = 43; /* after the enqueue: must not reach the kernel */
  expect(cuStreamSynchronize(stream), 0, "sync lazy");
  expect(cuMemcpyDtoH_v2(actual, again, sizeof actual), 0, "read lazy");
  expect(memcmp(actual, expected, sizeof actual), 0, "arguments copied at enqueue");
  unsetenv("MYELIN_EMU_LAZY");

  /* Limits as the driver checks them. */
  expect(cuLaunchKernel(philox, 1, 1, 1, 1025, 1, 1, 0, stream, params, NULL), 1, "block of 1025 threads");
  expect(cuLaunchKernel(philox, 1, 1, 1, 1, 1, 65, 0, stream, params, NULL), 1, "block z 65");
  expect(cuLaunchKernel(philox, 1, 65536, 1, 32, 1, 1, 0, stream, params, NULL), 1, "grid y 65536");
  expect(cuLaunchKernel(philox, 0, 1, 1, 32, 1, 1, 0, stream, params, NULL), 1, "empty grid");
  expect(cuLaunchKernel(philox, 1, 1, 1, 32, 1, 1, 0, stream, NULL, NULL), 1, "no kernelParams");

  /* Memcheck at enqueue: a pointer argument outside every live allocation. */
  uint64_t wild = out + 4096;
  expect(words(stream, wild, 1, 1, 1), 1, "pointer argument outside the allocations");

  /* Capture: work is recorded, not run; the graph replays it, copies and launches in order. */
  int status = -1;
  uint64_t captured;
  expect(cuMemAlloc_v2(&captured, sizeof expected), 0, "alloc captured");
  expect(cuMemsetD8_v2(captured, 0, sizeof expected), 0, "clear captured");
  unsigned marker[32];
  memset(marker, 0x5A, sizeof marker);
  expect(cuStreamBeginCapture_v2(NULL, 1), 900, "the legacy stream cannot capture");
  expect(cuStreamBeginCapture_v2(stream, 1), 0, "begin capture (thread-local)");
  expect(cuStreamIsCapturing(stream, &status), 0, "is capturing");
  expect(status, 1, "status ACTIVE");
  expect(cuStreamBeginCapture_v2(stream, 1), 401, "second begin: CUDA_ERROR_ILLEGAL_STATE");
  expect(cuMemcpyHtoDAsync_v2(captured, marker, sizeof marker, stream), 0, "captured copy");
  expect(words(stream, captured, 4, 42, 7), 0, "captured launch (first half)");
  void *graph = NULL;
  expect(cuStreamEndCapture(stream, &graph), 0, "end capture");
  expect(cuStreamIsCapturing(stream, &status), 0, "is capturing after end");
  expect(status, 0, "status NONE");
  expect(cuMemcpyDtoH_v2(actual, captured, sizeof actual), 0, "read before replay");
  expect(actual[0] == 0 && actual[31] == 0, 1, "nothing ran during the capture");
  void *exec = NULL;
  expect(cuGraphInstantiateWithFlags(&exec, graph, 0), 0, "instantiate");
  for (int replay = 0; replay < 2; replay++) {
    expect(cuMemsetD8_v2(captured, 0, sizeof expected), 0, "clear before replay");
    expect(cuGraphLaunch(exec, stream), 0, "graph launch");
    expect(cuStreamSynchronize(stream), 0, "sync replay");
    expect(cuMemcpyDtoH_v2(actual, captured, sizeof actual), 0, "read replay");
    expect(memcmp(actual, expected, 16 * sizeof(unsigned)), 0, "replayed launch wrote the words");
    expect(actual[16] == 0x5A5A5A5Au && actual[31] == 0x5A5A5A5Au, 1, "replayed copy before it");
  }
  expect(cuGraphExecDestroy(exec), 0, "exec destroy");
  expect(cuGraphDestroy(graph), 0, "graph destroy");

  /* A host read inside a thread-local capture is prohibited and invalidates it. */
  expect(cuStreamBeginCapture_v2(stream, 1), 0, "begin capture 2");
  expect(words(stream, captured, 4, 42, 7), 0, "captured launch 2");
  expect(cuMemcpyDtoH_v2(actual, captured, sizeof actual), 900, "host read during capture");
  expect(cuStreamIsCapturing(stream, &status), 0, "is capturing 2");
  expect(status, 2, "status INVALIDATED");
  expect(words(stream, captured, 4, 42, 7), 901, "enqueue into an invalidated capture");
  graph = (void *) 1;
  expect(cuStreamEndCapture(stream, &graph), 901, "end of an invalidated capture");
  expect(graph == NULL, 1, "no graph from an invalidated capture");

  /* Relaxed on this thread: allocating during the capture is legal; waiting on the stream is not. */
  expect(cuStreamBeginCapture_v2(stream, 1), 0, "begin capture 3");
  int mode = 2;
  expect(cuThreadExchangeStreamCaptureMode(&mode), 0, "relax");
  uint64_t during;
  expect(cuMemAlloc_v2(&during, 64), 0, "alloc in a relaxed thread during a capture");
  expect(cuThreadExchangeStreamCaptureMode(&mode), 0, "restore");
  expect(mode, 2, "the exchange returned the relaxed mode");
  expect(cuStreamSynchronize(stream), 900, "synchronize a capturing stream");
  expect(cuStreamEndCapture(stream, &graph), 901, "end after the illegal wait");
  expect(cuMemFree_v2(during), 0, "free after the capture");

  /* A kernel writing past its allocation: named by the guard check, the context's error sticks.
   * In a child process, since the fault is sticky for the process as on the device. */
  fflush(stderr);
  pid_t child = fork();
  if (child == 0) {
    uint64_t small;
    int ok = cuMemAlloc_v2(&small, 7 * sizeof(unsigned)) == 0; /* 2 blocks write 8 words */
    ok = ok && words(stream, small, 2, 1, 1) == 700;           /* eager: reported by the launch */
    ok = ok && cuStreamSynchronize(stream) == 700;             /* and sticky */
    _exit(ok ? 0 : 1);
  }
  int child_status;
  waitpid(child, &child_status, 0);
  expect(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0, 1, "write past an allocation caught");

  expect(cuModuleUnload(elementwise), 0, "unload");
  expect(cuModuleUnload(random), 0, "unload random");
  if (failures > 0) {
    fprintf(stderr, "launch_test: %d failures\n", failures);
    return 1;
  }
  printf("launch_test: modules, launches, memcheck, capture and graphs passed\n");
  return 0;
}
