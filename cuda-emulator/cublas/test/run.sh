#!/usr/bin/env bash
# Runs the cuBLAS stand-in's C tests against the libraries the compile phase built into TARGET_DIR
# (default cuda-emulator/target: driver/libcuda.so.1 and cublas/libcublas.so.13): gemm_test (float64 reference on awkward sizes and every transpose pair, batches,
# INVALID_VALUE cases, beta/alpha == 0, TF32 rounding, memcheck) and stream_test (stream order in
# lazy mode, MYELIN_EMU_LAZY=1) and capture_test (capture and replay; skipped by a driver without
# capture). It also checks the library defines every function engine-cuda's
# CublasLibrary binds.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
target="$(cd "${1:-$here/../target}" && pwd)"
for lib in "$target/driver/libcuda.so.1" "$target/cublas/libcublas.so.13"; do
  if [[ ! -f "$lib" ]]; then
    echo "FAIL: $lib is not built (the module's compile phase builds it)" >&2
    exit 1
  fi
done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/driver" "$out/cublas"
cp "$target/driver/libcuda.so.1" "$out/driver/"
cp "$target/cublas/libcublas.so.13" "$out/cublas/"
nm -D --defined-only "$out/cublas/libcublas.so.13" | awk '{ print $3 }' | sort -u > "$out/defined.txt"
for name in cublasCreate_v2 cublasDestroy_v2 cublasSetStream_v2 cublasSetMathMode cublasSgemm_v2 \
    cublasSgemmStridedBatched cublasDgemm_v2 cublasDgemmStridedBatched cublasSetWorkspace_v2; do
  if ! grep -qx "$name" "$out/defined.txt"; then
    echo "FAIL: libcublas.so.13 lacks $name, which CublasLibrary binds" >&2
    exit 1
  fi
done
export LD_LIBRARY_PATH="$out/driver:$out/cublas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for test in gemm_test stream_test capture_test; do
  gcc -std=c11 -O2 -Wall -Werror -I"$here/test" "$here/test/$test.c" -o "$out/$test" \
    -L"$out/cublas" -l:libcublas.so.13 -L"$out/driver" -l:libcuda.so.1 -lm
  # The memcheck cases print their (expected) reports on stderr; show them only on failure.
  if ! "$out/$test" 2> "$out/$test.stderr"; then
    cat "$out/$test.stderr" >&2
    exit 1
  fi
done
