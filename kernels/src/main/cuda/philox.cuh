// Philox4x32-10 (io.myelin.backend.Philox), shared by the random fills and dropout: block
// `counter` under key `seed` gives four 32-bit words; a uniform in [0, 1) is (word >> 8) * 2^-24,
// exact in float and double.
#pragma once

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define TWO_POW_MINUS_24 (1.0 / 16777216.0)

__device__ __forceinline__ uint4 philox4x32_10(unsigned long long counter, unsigned long long seed) {
  unsigned c0 = (unsigned)counter, c1 = (unsigned)(counter >> 32), c2 = 0u, c3 = 0u;
  unsigned k0 = (unsigned)seed, k1 = (unsigned)(seed >> 32);
#pragma unroll
  for (int round = 0; round < 10; round++) {
    if (round > 0) {
      k0 += PHILOX_W0;
      k1 += PHILOX_W1;
    }
    unsigned hi0 = __umulhi(PHILOX_M0, c0), lo0 = PHILOX_M0 * c0;
    unsigned hi1 = __umulhi(PHILOX_M1, c2), lo1 = PHILOX_M1 * c2;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  return make_uint4(c0, c1, c2, c3);
}

__device__ __forceinline__ double unit_uniform(unsigned w) { return (double)(w >> 8) * TWO_POW_MINUS_24; }

