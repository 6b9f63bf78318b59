#!/usr/bin/env bash
# Builds the reference cuBLAS stand-in libcublas.so.13 into OUT_DIR, linked against the emulated
# driver libcuda.so.1 in DRIVER_DIR (its myelin_emu_* internals: stream enqueue, memcheck).
# Every symbol must resolve at load (-z now), so a stand-in loaded beside a real libcuda.so.1
# fails to load naming the missing myelin_emu_* symbol instead of crashing at its first call.
# The runpath $ORIGIN/../driver finds target/driver/libcuda.so.1 from target/cublas when no
# libcuda.so.1 is loaded yet and LD_LIBRARY_PATH names none (one already loaded is reused).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:?usage: build.sh OUT_DIR DRIVER_DIR}" && cd "$1" && pwd)"
driver="$(cd "${2:?usage: build.sh OUT_DIR DRIVER_DIR}" && pwd)"
gcc -std=c11 -O2 -fPIC -ffp-contract=off -Wall -Wextra -Werror -c "$here/cublas.c" -o "$out/cublas.o"
gcc -shared -Wl,-soname,libcublas.so.13 -Wl,-z,defs -Wl,-z,now \
  -Wl,-rpath,'$ORIGIN/../driver' -o "$out/libcublas.so.13" \
  "$out/cublas.o" -L"$driver" -l:libcuda.so.1 -lm
