#!/usr/bin/env bash
# Builds the emulated kernels and runs the host harness (test/emu_kernels_test.cpp).
#   test.sh [OUT_DIR]   (default: cuda-emulator/kernels/target)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/target}
bash "$here/build.sh" "$here/../../kernels/src/main/cuda" "$out"
g++ -std=c++17 -O1 -I"$here" "$here/test/emu_kernels_test.cpp" "$out/libmyelin_emu_kernels.a" -o "$out/emu_kernels_test"
"$out/emu_kernels_test"
