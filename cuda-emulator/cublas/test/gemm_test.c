/* The stand-in's gemm against a float64 reference: S and D, every pair of operations (N, T, C),
 * awkward sizes with padded leading dimensions, strided batches (broadcast strideA = 0 too);
 * beta == 0 does not read C, alpha == 0 and k == 0 do not read A and B; the documented
 * CUBLAS_STATUS_INVALID_VALUE cases; TF32 rounding (to nearest even) in TF32 math mode; memcheck
 * at the call (capture_test.c covers the check when the stream runs the work). */
#include <math.h>
#include <string.h>
#include "cublas_test.h"

static void *handle;

/* Element (row, col) of op(X), X column-major with leading dimension ld. */
static double op_at(const double *x, int trans, int row, int col, int ld) {
  return trans == OP_N ? x[row + (int64_t) col * ld] : x[col + (int64_t) row * ld];
}

static double round_input(double v, int is_double, int tf32) {
  if (is_double) {
    return v;
  }
  return tf32 ? (double) myelin_cublas_round_tf32((float) v) : (double) (float) v;
}

struct case_spec {
  int is_double, ta, tb, m, n, k, pad, batch;
  long long extra_stride; /* added to each operand's batch stride (gaps between matrices) */
  int broadcast_a;        /* strideA = 0 */
  double alpha, beta;
  int tf32;
};

/* Runs one case on the device and compares every element of every C with the reference, and
 * every padding element of C with its untouched value. Returns the largest error over the bound
 * (< 1 passes). */
static double run_case(const struct case_spec *s, const char *name) {
  int a_rows = s->ta == OP_N ? s->m : s->k, a_cols = s->ta == OP_N ? s->k : s->m;
  int b_rows = s->tb == OP_N ? s->k : s->n, b_cols = s->tb == OP_N ? s->n : s->k;
  int lda = (a_rows > 1 ? a_rows : 1) + s->pad, ldb = (b_rows > 1 ? b_rows : 1) + s->pad;
  int ldc = (s->m > 1 ? s->m : 1) + s->pad;
  long long sa = s->broadcast_a ? 0 : (long long) lda * a_cols + s->extra_stride;
  long long sb = (long long) ldb * b_cols + s->extra_stride;
  long long sc = (long long) ldc * s->n + s->extra_stride;
  size_t na = (size_t) (s->broadcast_a ? lda * a_cols : sa * s->batch);
  size_t nb = (size_t) (sb * s->batch), nc = (size_t) (sc * s->batch);
  na = na ? na : 1;
  nb = nb ? nb : 1;
  size_t el = s->is_double ? sizeof(double) : sizeof(float);
  double *a = malloc(na * sizeof(double)), *b = malloc(nb * sizeof(double));
  double *c = malloc(nc * sizeof(double)), *got = malloc(nc * sizeof(double));
  void *host = malloc((na > nb ? (na > nc ? na : nc) : (nb > nc ? nb : nc)) * el);
  for (size_t i = 0; i < na; i++) a[i] = round_input(next_uniform(), s->is_double, 0);
  for (size_t i = 0; i < nb; i++) b[i] = round_input(next_uniform(), s->is_double, 0);
  for (size_t i = 0; i < nc; i++) c[i] = round_input(next_uniform(), s->is_double, 0);
  void *da, *db, *dc;
#define UPLOAD(dst, src, count) do { \
    if (s->is_double) { dst = to_device(src, (count) * el); } \
    else { for (size_t i_ = 0; i_ < (count); i_++) ((float *) host)[i_] = (float) (src)[i_]; \
           dst = to_device(host, (count) * el); } } while (0)
  UPLOAD(da, a, na);
  UPLOAD(db, b, nb);
  UPLOAD(dc, c, nc);
  int status;
  if (s->is_double) {
    status = s->batch == 1
        ? cublasDgemm_v2(handle, s->ta, s->tb, s->m, s->n, s->k, &s->alpha, da, lda, db, ldb,
                         &s->beta, dc, ldc)
        : cublasDgemmStridedBatched(handle, s->ta, s->tb, s->m, s->n, s->k, &s->alpha, da, lda,
                                    sa, db, ldb, sb, &s->beta, dc, ldc, sc, s->batch);
  } else {
    float alpha = (float) s->alpha, beta = (float) s->beta;
    status = s->batch == 1
        ? cublasSgemm_v2(handle, s->ta, s->tb, s->m, s->n, s->k, &alpha, da, lda, db, ldb, &beta,
                         dc, ldc)
        : cublasSgemmStridedBatched(handle, s->ta, s->tb, s->m, s->n, s->k, &alpha, da, lda, sa,
                                    db, ldb, sb, &beta, dc, ldc, sc, s->batch);
  }
  expect_status(status, OK, name);
  from_device(host, dc, nc * el);
  for (size_t i = 0; i < nc; i++) {
    got[i] = s->is_double ? ((double *) host)[i] : (double) ((float *) host)[i];
  }
  double u = s->is_double ? 0x1p-53 : 0x1p-24;
  double worst = 0;
  char *written = calloc(nc, 1);
  for (int q = 0; q < s->batch; q++) {
    const double *aq = a + q * sa, *bq = b + q * sb;
    for (int j = 0; j < s->n; j++) {
      for (int i = 0; i < s->m; i++) {
        size_t at = (size_t) (q * sc + i + (int64_t) j * ldc);
        double sum = 0, magnitude = 0;
        for (int p = 0; p < s->k; p++) {
          double x = round_input(op_at(aq, s->ta, i, p, lda), s->is_double, s->tf32);
          double y = round_input(op_at(bq, s->tb, p, j, ldb), s->is_double, s->tf32);
          sum += x * y;
          magnitude += fabs(x * y);
        }
        double ref = s->alpha * sum + s->beta * c[at];
        double bound = (s->k + 4) * u * (fabs(s->alpha) * magnitude + fabs(s->beta * c[at])) + 1e-300;
        double ratio = fabs(got[at] - ref) / bound;
        if (!isnan(worst) && (isnan(ratio) || ratio > worst)) {
          worst = ratio; /* a NaN result stays the verdict */
        }
        written[at] = 1;
      }
    }
  }
  for (size_t i = 0; i < nc; i++) {
    if (!written[i] && got[i] != c[i]) {
      fprintf(stderr, "FAIL %s: padding element %zu changed\n", name, i);
      failures++;
      break;
    }
  }
  free(written);
  device_free(da);
  device_free(db);
  device_free(dc);
  free(a); free(b); free(c); free(got); free(host);
  return worst;
}

static void reference_cases(void) {
  static const int sizes[][3] = { {1, 1, 1}, {7, 5, 3}, {17, 33, 9}, {65, 3, 130}, {3, 70, 1},
                                  {31, 31, 64} };
  static const int ops[] = { OP_N, OP_T, OP_C };
  char name[160];
  int cases = 0;
  for (int is_double = 0; is_double <= 1; is_double++) {
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
      for (int x = 0; x < 3; x++) {
        for (int y = 0; y < 3; y++) {
          for (int batch = 1; batch <= 3; batch += 2) {
            struct case_spec s = { is_double, ops[x], ops[y], sizes[z][0], sizes[z][1], sizes[z][2],
                                   (int) z % 3, batch, batch > 1 ? 5 : 0, 0, 1.25, -0.5, 0 };
            snprintf(name, sizeof name, "%cgemm%s %c%c m %d n %d k %d", is_double ? 'D' : 'S',
                     batch > 1 ? "StridedBatched" : "", "NTC"[x], "NTC"[y], s.m, s.n, s.k);
            double worst = run_case(&s, name);
            if (!(worst < 1)) {
              fprintf(stderr, "FAIL %s: error %.3g x the float%d rounding bound\n", name, worst,
                      is_double ? 64 : 32);
              failures++;
            }
            cases++;
          }
        }
      }
    }
  }
  /* A broadcast A (strideA = 0), beta = 0 (C's values are ignored) and alpha = 1. */
  struct case_spec broadcast = { 0, OP_T, OP_N, 9, 4, 6, 1, 4, 0, 1, 1.0, 0.0, 0 };
  check(run_case(&broadcast, "SgemmStridedBatched strideA = 0") < 1, "strideA = 0 matches the reference");
  struct case_spec dbroadcast = broadcast;
  dbroadcast.is_double = 1;
  check(run_case(&dbroadcast, "DgemmStridedBatched strideA = 0") < 1, "D strideA = 0 matches the reference");
  printf("cublas gemm: %d reference cases (S, D; N/T/C pairs; batch 1 and 3) within the rounding bound\n", cases + 2);
}

/* beta == 0: C not read; alpha == 0 and k == 0: A and B not read. */
static void special_values(void) {
  float nan = NAN, inf = INFINITY;
  float a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 0, 0, 1 }, c[4] = { nan, nan, nan, nan }, out[4];
  void *da = to_device(a, sizeof a), *db = to_device(b, sizeof b), *dc = to_device(c, sizeof c);
  float one = 1, zero = 0, two = 2;
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &one, da, 2, db, 2, &zero, dc, 2), OK, "beta 0");
  from_device(out, dc, sizeof out);
  check(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4, "beta == 0: NaN in C does not propagate");
  float poisoned[4] = { nan, inf, -inf, nan }, ones[4] = { 1, 1, 1, 1 };
  void *dp = to_device(poisoned, sizeof poisoned), *d1 = to_device(ones, sizeof ones);
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &zero, dp, 2, dp, 2, &two, d1, 2), OK, "alpha 0");
  from_device(out, d1, sizeof out);
  check(out[0] == 2 && out[1] == 2 && out[2] == 2 && out[3] == 2, "alpha == 0: NaN/Inf in A, B do not reach C");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 0, &one, NULL, 2, NULL, 2, &two, d1, 2), OK, "k 0");
  from_device(out, d1, sizeof out);
  check(out[0] == 4 && out[3] == 4, "k == 0: C = beta * C, A and B not read");
  double dnan[4] = { NAN, NAN, NAN, NAN }, da4[4] = { 1, 2, 3, 4 }, dout[4], done = 1, dzero = 0;
  void *ddc = to_device(dnan, sizeof dnan), *dda = to_device(da4, sizeof da4);
  expect_status(cublasDgemm_v2(handle, OP_T, OP_N, 2, 2, 2, &done, dda, 2, dda, 2, &dzero, ddc, 2), OK, "D beta 0");
  from_device(dout, ddc, sizeof dout);
  /* A^T A for A = [[1, 3], [2, 4]] (column-major 1 2 3 4): [[5, 11], [11, 25]]. */
  check(dout[0] == 5 && dout[1] == 11 && dout[2] == 11 && dout[3] == 25, "Dgemm T N exact, NaN C ignored");
  /* S accumulates in float, in order: 1 + 2^-25 + 2^-25 + 2^-25 stays 1 (a float64 sum rounded
   * once would give 1 + 2^-23). */
  float row[4] = { 1, 0x1p-25f, 0x1p-25f, 0x1p-25f }, col[4] = { 1, 1, 1, 1 }, sum = -1;
  void *drow = to_device(row, sizeof row), *dcol = to_device(col, sizeof col), *dsum = to_device(&sum, sizeof sum);
  expect_status(cublasSgemm_v2(handle, OP_T, OP_N, 1, 1, 4, &one, drow, 4, dcol, 4, &zero, dsum, 1), OK, "float sum");
  from_device(&sum, dsum, sizeof sum);
  check(sum == 1.0f, "Sgemm accumulates in float");
  device_free(da); device_free(db); device_free(dc); device_free(dp); device_free(d1);
  device_free(ddc); device_free(dda); device_free(drow); device_free(dcol); device_free(dsum);
}

static void invalid_values(void) {
  float one = 1;
  float host[64] = { 0 };
  void *d = to_device(host, sizeof host);
  struct { int ta, tb, m, n, k, lda, ldb, ldc; const char *what; } bad[] = {
    { OP_N, OP_N, -1, 2, 2, 2, 2, 2, "m < 0" },
    { OP_N, OP_N, 2, -1, 2, 2, 2, 2, "n < 0" },
    { OP_N, OP_N, 2, 2, -1, 2, 2, 2, "k < 0" },
    { 3, OP_N, 2, 2, 2, 2, 2, 2, "transa not N, T or C" },
    { OP_N, -1, 2, 2, 2, 2, 2, 2, "transb not N, T or C" },
    { OP_N, OP_N, 3, 2, 2, 2, 2, 3, "lda < m for N" },
    { OP_T, OP_N, 3, 2, 4, 3, 4, 3, "lda < k for T" },
    { OP_N, OP_N, 2, 2, 3, 2, 2, 2, "ldb < k for N" },
    { OP_N, OP_T, 2, 3, 2, 2, 2, 2, "ldb < n for T" },
    { OP_N, OP_N, 3, 2, 2, 3, 2, 2, "ldc < m" },
    { OP_N, OP_N, 0, 2, 2, 0, 2, 1, "lda < max(1, m) with m = 0" },
    { OP_N, OP_N, 2, 2, 0, 2, 0, 2, "ldb < max(1, k) with k = 0" },
  };
  char name[120];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(name, sizeof name, "Sgemm %s", bad[i].what);
    expect_status(cublasSgemm_v2(handle, bad[i].ta, bad[i].tb, bad[i].m, bad[i].n, bad[i].k, &one,
                                 d, bad[i].lda, d, bad[i].ldb, &one, d, bad[i].ldc), INVALID_VALUE, name);
    snprintf(name, sizeof name, "SgemmStridedBatched %s", bad[i].what);
    expect_status(cublasSgemmStridedBatched(handle, bad[i].ta, bad[i].tb, bad[i].m, bad[i].n,
                                            bad[i].k, &one, d, bad[i].lda, 0, d, bad[i].ldb, 0,
                                            &one, d, bad[i].ldc, 16, 1), INVALID_VALUE, name);
  }
  double done = 1;
  expect_status(cublasDgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &done, d, 1, d, 2, &done, d, 2),
                INVALID_VALUE, "Dgemm lda < m");
  expect_status(cublasDgemmStridedBatched(handle, OP_N, OP_N, 2, 2, 2, &done, d, 2, 0, d, 2, 0,
                                          &done, d, 2, 4, -1), INVALID_VALUE, "batchCount < 0");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, NULL, d, 2, d, 2, &one, d, 2),
                INVALID_VALUE, "alpha NULL");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &one, d, 2, d, 2, NULL, d, 2),
                INVALID_VALUE, "beta NULL");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 2, 2, 2, &one, d, 2, d, 2, &one, NULL, 2),
                INVALID_VALUE, "C NULL");
  expect_status(cublasSgemm_v2(NULL, OP_N, OP_N, 2, 2, 2, &one, d, 2, d, 2, &one, d, 2),
                NOT_INITIALIZED, "no handle");
  /* Quick returns: nothing to compute, no pointer touched. */
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 0, 2, 2, &one, NULL, 1, NULL, 2, &one, NULL, 1),
                OK, "m == 0 returns at once");
  expect_status(cublasSgemmStridedBatched(handle, OP_N, OP_N, 2, 2, 2, &one, NULL, 2, 4, NULL, 2,
                                          4, &one, NULL, 2, 4, 0), OK, "batchCount == 0 returns at once");
  expect_status(cublasSetMathMode(handle, 4), INVALID_VALUE, "unknown math mode");
  expect_status(cublasSetMathMode(handle, 99), INVALID_VALUE, "unknown math mode 99");
  device_free(d);
}

static void tf32(void) {
  /* Ties go to the even neighbour; above a tie rounds up; NaN, infinity pass; FLT_MAX overflows. */
  check(myelin_cublas_round_tf32(1.0f + 0x1p-11f) == 1.0f, "tie 1 + 2^-11 rounds to even 1");
  check(myelin_cublas_round_tf32(1.0f + 3 * 0x1p-11f) == 1.0f + 0x1p-9f, "tie 1 + 3*2^-11 rounds to even 1 + 2^-9");
  check(myelin_cublas_round_tf32(1.0f + 0x1p-11f + 0x1p-20f) == 1.0f + 0x1p-10f, "above a tie rounds up");
  check(myelin_cublas_round_tf32(-(1.0f + 0x1p-11f + 0x1p-20f)) == -(1.0f + 0x1p-10f), "negative: symmetric");
  check(myelin_cublas_round_tf32(1.0f + 0x1p-11f - 0x1p-23f) == 1.0f, "below a tie rounds down");
  check(isnan(myelin_cublas_round_tf32(NAN)), "NaN stays NaN");
  check(myelin_cublas_round_tf32(INFINITY) == INFINITY, "infinity stays");
  check(myelin_cublas_round_tf32(3.4028235e38f) == INFINITY, "FLT_MAX rounds past the largest TF32 to infinity");
  check(myelin_cublas_round_tf32(0x1p-130f * 1.75f) == 0x1p-130f * 1.75f, "a subnormal with 3 bits is exact");
  check(myelin_cublas_round_tf32(0x1p-149f * 3) == 0.0f, "a subnormal below TF32's last bit rounds to 0");
  /* 1 x 1 x 1: the product of the rounded inputs exactly. */
  float x = 1.0f + 0x1p-11f + 0x1p-20f, y = 3.0f, one = 1, zero = 0, out = 0;
  void *dx = to_device(&x, sizeof x), *dy = to_device(&y, sizeof y), *dout = to_device(&out, sizeof out);
  int mode = -1;
  expect_status(cublasGetMathMode(handle, &mode), OK, "get math mode");
  check(mode == 0, "a new handle starts in CUBLAS_DEFAULT_MATH");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 1, 1, 1, &one, dx, 1, dy, 1, &zero, dout, 1), OK, "fp32 1x1");
  from_device(&out, dout, sizeof out);
  check(out == x * 3.0f, "default math: float inputs unchanged");
  expect_status(cublasSetMathMode(handle, TF32_MATH), OK, "TF32 mode");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 1, 1, 1, &one, dx, 1, dy, 1, &zero, dout, 1), OK, "tf32 1x1");
  from_device(&out, dout, sizeof out);
  check(out == (1.0f + 0x1p-10f) * 3.0f, "TF32 math: A rounded to TF32 before the product");
  /* Larger: TF32 matches the reference on rounded inputs within the float32 bound, and misses the
   * reference on unrounded inputs by more than that bound (the rounding is really applied). */
  struct case_spec s = { 0, OP_N, OP_T, 24, 19, 64, 1, 2, 3, 0, 1.0, 0.5, 1 };
  uint64_t seed = rng_state;
  check(run_case(&s, "TF32 Sgemm vs rounded reference") < 1, "TF32: within the float32 bound of the rounded-input reference");
  rng_state = seed;
  s.tf32 = 0;
  double off = run_case(&s, "TF32 Sgemm vs unrounded reference");
  check(off > 8, "TF32: far outside the float32 bound of the unrounded reference");
  /* Double precision ignores TF32. */
  struct case_spec d = { 1, OP_T, OP_N, 13, 7, 40, 0, 1, 0, 0, 1.0, 0.0, 0 };
  check(run_case(&d, "Dgemm in TF32 mode") < 1, "Dgemm in TF32 mode stays float64");
  expect_status(cublasSetMathMode(handle, 0), OK, "back to default math");
  printf("cublas tf32: rounding to nearest even; TF32 gemm error %.1f x the float32 bound of the exact product\n", off);
  device_free(dx); device_free(dy); device_free(dout);
}

static void memcheck(void) {
  float host[16] = { 0 }, one = 1;
  void *d = to_device(host, sizeof host);
  /* 4 x 4 fits exactly; 4 x 5 runs past the end (A and C). */
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 4, 4, 4, &one, d, 4, d, 4, &one, d, 4), OK, "in bounds");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 4, 5, 4, &one, d, 4, d, 4, &one, d, 4),
                EXECUTION_FAILED, "B and C past the allocation");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 4, 4, 4, &one, (float *) d + 1, 4, d, 4, &one, d, 4),
                EXECUTION_FAILED, "A one element past");
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 1, 1, 1, &one, host, 1, d, 1, &one, d, 1),
                EXECUTION_FAILED, "A a host pointer");
  /* alpha == 0: A and B are not read, so not checked. */
  float zero = 0;
  expect_status(cublasSgemm_v2(handle, OP_N, OP_N, 4, 4, 4, &zero, host, 4, host, 4, &one, d, 4),
                OK, "alpha == 0 reads neither A nor B");
  expect_status(cublasSgemmStridedBatched(handle, OP_N, OP_N, 2, 2, 2, &one, d, 2, 4, d, 2, 4, &one,
                                          d, 2, 0, 2), EXECUTION_FAILED, "strideC 0: racing C writes");
  expect_status(cublasSgemmStridedBatched(handle, OP_N, OP_N, 2, 2, 2, &one, d, 2, 4, d, 2, 4, &one,
                                          d, 4, 2, 2), OK, "interleaved C columns do not overlap");
  expect_status(cublasSgemmStridedBatched(handle, OP_N, OP_N, 2, 2, 2, &one, d, 2, 4, d, 2, 4, &one,
                                          d, 4, 1, 2), EXECUTION_FAILED, "strideC 1 overlaps");
  expect_status(cublasSetWorkspace_v2(handle, (char *) d + 4, 32), INVALID_VALUE, "workspace not 256-aligned");
  expect_status(cublasSetWorkspace_v2(handle, d, 4096), INVALID_VALUE, "workspace larger than its allocation");
  uint64_t ws;
  require(cuMemAlloc_v2(&ws, 4096 + 256), "workspace alloc");
  uint64_t aligned = (ws + 255) & ~(uint64_t) 255; /* the emulated cuMemAlloc aligns to 16 only */
  expect_status(cublasSetWorkspace_v2(handle, (void *) (uintptr_t) aligned, 4096), OK, "workspace");
  expect_status(cublasSetWorkspace_v2(handle, NULL, 0), OK, "no workspace");
  require(cuMemFree_v2(ws), "workspace free");
  device_free(d);
}

int main(void) {
  void *early;
  expect_status(cublasCreate_v2(&early), NOT_INITIALIZED, "create without a current context");
  start_device();
  expect_status(cublasCreate_v2(&handle), OK, "create");
  reference_cases();
  special_values();
  invalid_values();
  tf32();
  memcheck();
  expect_status(cublasDestroy_v2(handle), OK, "destroy");
  if (failures > 0) {
    fprintf(stderr, "cublas gemm test: %d failures\n", failures);
    return 1;
  }
  printf("cublas gemm test: all checks passed\n");
  return 0;
}
