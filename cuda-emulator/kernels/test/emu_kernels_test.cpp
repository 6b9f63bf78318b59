// Host harness for the emulated kernels: runs real kernels on seeded inputs against float64
// references (test.sh builds and runs it). Exit code = number of failed checks.
#include "emu_kernels.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <chrono>
#include <random>
#include <vector>
#include <algorithm>

static int failures = 0;
#define CHECK(c, ...) do { if (!(c)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static int find(const char* name) {
  int n = 0;
  const emu_kernel_info* k = myelin_emu_kernels(&n);
  for (int i = 0; i < n; i++) if (!strcmp(k[i].name, name)) return i;
  printf("FAIL: kernel %s not registered\n", name);
  failures++;
  return -1;
}

static int launch(const char* name, emu_dim3 g, emu_dim3 b, std::vector<void*> args, char* err) {
  int idx = find(name);
  if (idx < 0) return -1;
  return myelin_emu_launch(idx, g, b, 0, args.data(), err, 512);
}

// sum_rows_f32 over [outer, reduced] for several block sizes, with and without racecheck.
static void test_sum_rows() {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int reduced : {1, 31, 257, 1000}) {
    int outer = 5, inner = 1;
    std::vector<float> x((size_t)outer * reduced), out(outer);
    for (float& v : x) v = u(rng);
    for (unsigned threads : {32u, 96u, 256u, 1024u})
      for (unsigned seed : {0u, 7u}) {
        myelin_emu_set_racecheck(seed);
        const float* xp = x.data();
        float* op = out.data();
        char err[512] = "";
        int rc = launch("sum_rows_f32", {3, 1, 1}, {threads, 1, 1}, {&outer, &reduced, &inner, &xp, &op}, err);
        CHECK(rc == 0, "sum_rows_f32 launch: %s", err);
        for (int r = 0; r < outer; r++) {
          double ref = 0;
          for (int j = 0; j < reduced; j++) ref += x[(size_t)r * reduced + j];
          CHECK(fabs(out[r] - ref) <= 1e-5 * (1 + fabs(ref)), "sum_rows_f32 reduced=%d threads=%u seed=%u row %d: %g vs %g",
                reduced, threads, seed, r, out[r], ref);
        }
      }
  }
  myelin_emu_set_racecheck(0);
}

// A block that is not a whole number of warps makes block_reduce's full-mask shuffle name lanes
// that do not exist: reported, not hung.
static void test_partial_warp_reported() {
  int outer = 1, reduced = 10, inner = 1;
  std::vector<float> x(10, 1.f), out(1);
  const float* xp = x.data();
  float* op = out.data();
  char err[512] = "";
  int rc = launch("sum_rows_f32", {1, 1, 1}, {40, 1, 1}, {&outer, &reduced, &inner, &xp, &op}, err);
  CHECK(rc != 0 && strstr(err, "sum_rows_f32"), "partial warp not reported: rc=%d err=%s", rc, err);
}

// gemm with alpha == 0: C = beta * C whatever A and B hold (NaN and Inf included).
template <typename T>
static void test_gemm_alpha_zero(const char* name, bool sg) {
  int batch = 1, m = 3, n = 5, k = 4;
  std::vector<T> a((size_t)m * k, T(1)), b((size_t)k * n, T(1)), c((size_t)m * n, T(2));
  a[1] = NAN;
  b[2] = INFINITY;
  for (T beta : {T(0), T(0.5)}) {
    for (T& v : c) v = T(2);
    T alpha = 0;
    int a_row = k, a_col = 1, b_row = n, b_col = 1, ldc = n, act = 0;
    long long ab = 0, bb = 0, cb = 0;
    const T *ap = a.data(), *bp = b.data(), *bias = nullptr;
    T* cp = c.data();
    char err[512] = "";
    std::vector<void*> args = {&batch, &m, &n, &k, &alpha, &ap, &a_row, &a_col, &ab, &bp, &b_row, &b_col, &bb, &beta, &cp, &ldc, &cb};
    if (sg) { args.push_back(&bias); args.push_back(&act); }
    emu_dim3 blk = sg ? emu_dim3{256, 1, 1} : emu_dim3{16, 16, 1};
    int rc = launch(name, {1, 1, 1}, blk, args, err);
    CHECK(rc == 0, "%s: %s", name, err);
    for (T v : c) CHECK(v == beta * T(2), "%s alpha=0 beta=%g: C holds %g, expected %g", name, (double)beta, (double)v, (double)(beta * 2));
  }
}

static void bench() {
  int outer = 1024, reduced = 256, inner = 1;
  std::vector<float> x((size_t)outer * reduced, 1.f), out(outer);
  const float* xp = x.data();
  float* op = out.data();
  char err[512];
  std::vector<double> ms;
  for (int r = 0; r < 5; r++) {
    auto t0 = std::chrono::steady_clock::now();
    launch("sum_rows_f32", {1024, 1, 1}, {256, 1, 1}, {&outer, &reduced, &inner, &xp, &op}, err);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  printf("bench: sum_rows_f32 1024 blocks x 256 threads: median %.1f ms\n", ms[2]);
}

int main() {
  test_sum_rows();
  test_partial_warp_reported();
  test_gemm_alpha_zero<float>("sgemm_tiled_f32", true);
  test_gemm_alpha_zero<double>("gemm_tiled_f64", false);
  bench();
  printf(failures ? "%d FAILED\n" : "all passed\n", failures);
  return failures ? 1 : 0;
}
