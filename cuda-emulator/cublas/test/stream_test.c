/* The stand-in's work runs in stream order through the emulated driver, in lazy mode
 * (MYELIN_EMU_LAZY=1: a stream's queue runs only when something waits on it):
 *  - a gemm does not run before its stream is synchronised, and reads alpha and beta at the call;
 *  - a gemm on the compute stream after an upload on a copy stream without an event wait reads
 *    the old bytes; with cuStreamWaitEvent it reads the uploaded ones;
 *  - the default stream is used until cublasSetStream; cublasDestroy runs the handle's work. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include "cublas_test.h"

int main(void) {
  setenv("MYELIN_EMU_LAZY", "1", 1);
  start_device();
  void *handle, *copy, *compute, *uploaded;
  require(cublasCreate_v2(&handle), "create");
  require(cuStreamCreate(&copy, 1), "copy stream");
  require(cuStreamCreate(&compute, 1), "compute stream");
  require(cuEventCreate(&uploaded, 0), "event");
  expect_status(cublasSetStream_v2(handle, compute), OK, "set stream");
  float zeros[4] = { 0 }, eye2[4] = { 2, 0, 0, 2 }, a[4] = { 1, 2, 3, 4 }, out[4];
  void *da = to_device(zeros, sizeof zeros), *db = to_device(eye2, sizeof eye2);
  void *dc = to_device(zeros, sizeof zeros);
  float alpha = 1, beta = 0;

  /* Deferred, with the scalars read at the call. */
  require(cuMemcpyHtoD_v2((uint64_t) (uintptr_t) da, a, sizeof a), "A");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &alpha, da, 2, db, 2, &beta, dc, 2), OK, "gemm");
  alpha = 100;
  from_device(out, dc, sizeof out);
  check(out[0] == 0 && out[3] == 0, "lazy: the gemm has not run before its stream is synchronised");
  require(cuStreamSynchronize(compute), "sync");
  from_device(out, dc, sizeof out);
  check(out[0] == 2 && out[1] == 4 && out[2] == 6 && out[3] == 8, "alpha read at the call (1, not 100)");
  alpha = 1;

  /* Upload on the copy stream, no wait: the gemm sees the old A (zeros). */
  require(cuMemcpyHtoD_v2((uint64_t) (uintptr_t) da, zeros, sizeof zeros), "reset A");
  require(cuMemcpyHtoDAsync_v2((uint64_t) (uintptr_t) da, a, sizeof a, copy), "upload");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &alpha, da, 2, db, 2, &beta, dc, 2), OK, "gemm, no wait");
  require(cuStreamSynchronize(compute), "sync compute");
  from_device(out, dc, sizeof out);
  check(out[0] == 0 && out[3] == 0, "no event wait: the gemm ran before the pending upload");
  require(cuStreamSynchronize(copy), "sync copy");

  /* The same with the event wait: the gemm sees the upload. */
  require(cuMemcpyHtoD_v2((uint64_t) (uintptr_t) da, zeros, sizeof zeros), "reset A");
  require(cuMemcpyHtoDAsync_v2((uint64_t) (uintptr_t) da, a, sizeof a, copy), "upload");
  require(cuEventRecord(uploaded, copy), "record");
  require(cuStreamWaitEvent(compute, uploaded, 0), "wait");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &alpha, da, 2, db, 2, &beta, dc, 2), OK, "gemm after wait");
  require(cuStreamSynchronize(compute), "sync compute");
  from_device(out, dc, sizeof out);
  check(out[0] == 2 && out[1] == 4 && out[2] == 6 && out[3] == 8, "with the event wait: the gemm read the upload");

  /* Two gemms on one stream run in order: the second reads the first's result. */
  void *dd = to_device(zeros, sizeof zeros);
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &alpha, da, 2, db, 2, &beta, dc, 2), OK, "first");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &alpha, dc, 2, db, 2, &beta, dd, 2), OK, "second");
  require(cuStreamSynchronize(compute), "sync");
  from_device(out, dd, sizeof out);
  check(out[0] == 4 && out[1] == 8 && out[2] == 12 && out[3] == 16, "stream order: the second gemm read the first's C");

  /* Default stream: without cublasSetStream the work goes there; destroy runs pending work. */
  void *second;
  require(cublasCreate_v2(&second), "second handle");
  require(cuMemcpyHtoD_v2((uint64_t) (uintptr_t) dc, zeros, sizeof zeros), "reset C");
  expect_status(cublasSgemm_v2(second, OP_N, OP_N, 2, 2, 2, &alpha, da, 2, db, 2, &beta, dc, 2), OK, "default stream");
  /* A synchronous copy waits for the legacy default stream (the driver API's synchronous
     memcpy semantics, which the emulator follows since emufix): the gemm's result is there. */
  from_device(out, dc, sizeof out);
  check(out[0] == 2 && out[3] == 8, "a synchronous copy waits for the default-stream gemm");
  require(cuStreamSynchronize(NULL), "sync default");
  from_device(out, dc, sizeof out);
  check(out[0] == 2 && out[3] == 8, "default-stream gemm ran at its stream's sync");
  require(cuMemcpyHtoD_v2((uint64_t) (uintptr_t) dc, zeros, sizeof zeros), "reset C");
  expect_status(cublasSgemm_v2(second, OP_N, OP_N, 2, 2, 2, &alpha, da, 2, db, 2, &beta, dc, 2), OK, "pending");
  expect_status(cublasDestroy_v2(second), OK, "destroy");
  from_device(out, dc, sizeof out);
  check(out[0] == 2 && out[3] == 8, "cublasDestroy synchronises: the pending gemm ran");
  expect_status(cublasDestroy_v2(handle), OK, "destroy");
  if (failures > 0) {
    fprintf(stderr, "cublas stream test: %d failures\n", failures);
    return 1;
  }
  printf("cublas stream test: lazy-mode ordering checks passed\n");
  return 0;
}
