/* The stand-in's work inside a stream capture: a gemm enqueued while the stream captures is
 * recorded, not run; every replay of the graph runs it again, reading A and B as they are then,
 * with the alpha and beta of the capture (read from host memory at the call). Last, because the
 * failure is sticky: a replay after an operand was freed finds it when the stream runs the work,
 * skips the work, and later gemm calls fail. A driver without stream capture (CUDA_ERROR_NOT_SUPPORTED)
 * skips the test, saying so. */
#include <string.h>
#include "cublas_test.h"

#define NOT_SUPPORTED 801
#define CAPTURE_THREAD_LOCAL 1

int main(void) {
  start_device();
  void *handle, *stream, *graph, *exec;
  require(cublasCreate_v2(&handle), "create");
  require(cuStreamCreate(&stream, 1), "stream");
  expect_status(cublasSetStream_v2(handle, stream), OK, "set stream");
  float a[4] = { 1, 2, 3, 4 }, eye[4] = { 1, 0, 0, 1 }, c[4] = { 5, 5, 5, 5 }, out[4];
  void *da = to_device(a, sizeof a), *db = to_device(eye, sizeof eye), *dc = to_device(c, sizeof c);
  int status = cuStreamBeginCapture_v2(stream, CAPTURE_THREAD_LOCAL);
  if (status == NOT_SUPPORTED) {
    printf("cublas capture test: skipped, the emulated driver has no stream capture\n");
    return 0;
  }
  require(status, "begin capture");
  float alpha = 2, beta = 1;
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &alpha, da, 2, db, 2, &beta, dc, 2), OK, "captured gemm");
  alpha = 100; /* the graph keeps the alpha of the capture */
  require(cuStreamEndCapture(stream, &graph), "end capture");
  require(cuGraphInstantiateWithFlags(&exec, graph, 0), "instantiate");
  from_device(out, dc, sizeof out);
  check(out[0] == 5 && out[3] == 5, "a captured gemm does not run at the call");
  require(cuGraphLaunch(exec, stream), "replay 1");
  require(cuStreamSynchronize(stream), "sync");
  from_device(out, dc, sizeof out);
  check(out[0] == 7 && out[1] == 9 && out[2] == 11 && out[3] == 13, "replay 1: C = 2 A I + C");
  float a2[4] = { 10, 20, 30, 40 };
  require(cuMemcpyHtoD_v2((uint64_t) (uintptr_t) da, a2, sizeof a2), "new A");
  require(cuGraphLaunch(exec, stream), "replay 2");
  require(cuStreamSynchronize(stream), "sync");
  from_device(out, dc, sizeof out);
  check(out[0] == 27 && out[1] == 49 && out[2] == 71 && out[3] == 93, "replay 2 reads the new A, alpha 2");

  /* A replay after A was freed: found when the stream runs the work. */
  device_free(da);
  require(cuGraphLaunch(exec, stream), "replay 3");
  require(cuStreamSynchronize(stream), "sync");
  from_device(out, dc, sizeof out);
  check(out[0] == 27 && out[3] == 93, "a replay whose operand was freed skips the gemm");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &alpha, db, 2, db, 2, &beta, dc, 2),
                EXECUTION_FAILED, "later gemm after a failure in stream work");
  require(cuGraphExecDestroy(exec), "exec destroy");
  require(cuGraphDestroy(graph), "graph destroy");
  device_free(db);
  device_free(dc);
  expect_status(cublasDestroy_v2(handle), OK, "destroy");
  if (failures > 0) {
    fprintf(stderr, "cublas capture test: %d failures\n", failures);
    return 1;
  }
  printf("cublas capture test: captured gemm replays with the capture's alpha and the current A; "
         "a replay after a free is caught\n");
  return 0;
}
