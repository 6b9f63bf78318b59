// Row gather (io.myelin.backend.Backend#gatherRows): dst row r = src row indices[r], rows of
// row_length contiguous elements. The copy moves bits, so one kernel per element width serves
// every dtype: gather_rows_b32 (FLOAT32, INT32) and gather_rows_b64 (FLOAT64).
//
// Indices are not checked on the host (they live on the device): a row whose index lies outside
// [0, src_rows) is skipped, leaving that destination row as it was, instead of reading out of
// bounds. One grid-stride loop over the rows * row_length destination elements; neighbouring
// threads copy neighbouring elements of a row, so both sides are coalesced.
#include "common.cuh"

template <typename W>
__device__ void gather_rows(const W* src, int src_rows, int row_length, const int* indices,
                            int rows, W* dst) {
  // rows * row_length < 2^31 (a destination storage's length), so the row split is 32-bit.
  long long n = (long long)rows * row_length;
  GRID_STRIDE_LOOP(i, n) {
    unsigned r = (unsigned)i / (unsigned)row_length;
    unsigned j = (unsigned)i - r * (unsigned)row_length;
    int index = indices[r];
    if (index >= 0 && index < src_rows) {
      dst[i] = src[(long long)index * row_length + j];
    }
  }
}

extern "C" __global__ void gather_rows_b32(const unsigned* src, int src_rows, int row_length,
                                           const int* indices, int rows, unsigned* dst) {
  gather_rows<unsigned>(src, src_rows, row_length, indices, rows, dst);
}

extern "C" __global__ void gather_rows_b64(const unsigned long long* src, int src_rows,
                                           int row_length, const int* indices, int rows,
                                           unsigned long long* dst) {
  gather_rows<unsigned long long>(src, src_rows, row_length, indices, rows, dst);
}
