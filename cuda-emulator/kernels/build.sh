#!/usr/bin/env bash
# Compiles every SRC_DIR/*.cu with g++ against cuda_emu.h into OUT_DIR/libmyelin_emu_kernels.a
# (PIC objects, for linking into the emulated libcuda.so.1), plus the generated kernel registry.
#
#   build.sh SRC_DIR OUT_DIR
#
# Incremental: a family is regenerated and recompiled only when its .cu, a header of SRC_DIR or
# a file of this directory is newer than its object. Needs g++ and python3; downloads nothing.
set -euo pipefail

src=$(cd "${1:?source dir (kernels/src/main/cuda)}" && pwd)
out=${2:?out dir}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/gen" "$out/obj"
out=$(cd "$out" && pwd)

CXX=${CXX:-g++}
# -ffp-contract=off: g++ must not fuse a * b + c where the kernel wrote them apart (nvcc's own
# contraction is a code-generation choice the emulator does not model).
# -fno-extern-tls-init: the runtime's thread_local state has no dynamic initialiser, so every
# threadIdx read need not call the TLS wrapper (in the dlopen'ed libcuda.so.1 that wrapper made the
# kernels several times slower). -mtls-dialect=gnu2 (x86-64; aarch64's default): TLS descriptors
# make each __shared__ access of a dlopen'ed library cheaper than __tls_get_addr calls.
CXXFLAGS="-x c++ -std=c++17 -fPIC -O2 -fno-extern-tls-init -ffp-contract=off -fno-strict-aliasing -Wall -Wno-unused-function -Wno-unknown-pragmas -Wno-sign-compare"
if [[ "$(uname -m)" == x86_64 ]]; then
  CXXFLAGS="$CXXFLAGS -mtls-dialect=gnu2"
  # The kernels' fmaf/fma (GEMM's inner loop) as one instruction instead of a libm call, where the
  # building CPU has FMA (the library runs where it is built). Same rounding either way.
  if grep -qw fma /proc/cpuinfo 2>/dev/null; then
    CXXFLAGS="$CXXFLAGS -mfma"
  fi
fi
INC="-I$here -I$src"

newest_dep=$(ls -t "$src"/*.cuh "$here"/cuda_emu.h "$here"/emu_registry.h "$here"/emu_kernels.h "$here"/gen_registry.py "$here"/build.sh 2>/dev/null | head -1)
objs=()
lists=()
for cu in "$src"/*.cu; do
  fam=$(basename "$cu" .cu)
  obj="$out/obj/$fam.o"
  lst="$out/gen/$fam.list"
  objs+=("$obj")
  lists+=("$lst")
  if [[ -f "$obj" && -f "$lst" && "$obj" -nt "$cu" && "$obj" -nt "$newest_dep" ]]; then
    continue
  fi
  echo "[emu-kernels] g++ $fam.cu"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $INC -DEMU_SCAN -E -P -include cuda_emu.h "$cu" -o "$out/gen/$fam.i"
  python3 "$here/gen_registry.py" "$fam" "$out/gen/$fam.i" "$out/gen/${fam}_emu.cpp" "$lst.tmp"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $INC -include cuda_emu.h -c "$out/gen/${fam}_emu.cpp" -o "$obj.tmp"
  mv "$lst.tmp" "$lst"
  mv "$obj.tmp" "$obj"
done

rt="$out/obj/emu_runtime.o"
if [[ ! -f "$rt" || "$here/emu_runtime.cpp" -nt "$rt" || "$newest_dep" -nt "$rt" ]]; then
  echo "[emu-kernels] g++ emu_runtime.cpp"
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $INC -c "$here/emu_runtime.cpp" -o "$rt"
fi
python3 "$here/gen_registry.py" --top "$out/gen/registry.cpp.tmp" "${lists[@]}"
if ! cmp -s "$out/gen/registry.cpp.tmp" "$out/gen/registry.cpp"; then
  mv "$out/gen/registry.cpp.tmp" "$out/gen/registry.cpp"
else
  rm "$out/gen/registry.cpp.tmp"
fi
reg="$out/obj/registry.o"
if [[ ! -f "$reg" || "$out/gen/registry.cpp" -nt "$reg" ]]; then
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS $INC -c "$out/gen/registry.cpp" -o "$reg"
fi
lib="$out/libmyelin_emu_kernels.a"
if [[ ! -f "$lib" ]] || [[ -n "$(find "${objs[@]}" "$rt" "$reg" -newer "$lib")" ]]; then
  rm -f "$lib"
  ar rcs "$lib" "${objs[@]}" "$rt" "$reg"
  echo "[emu-kernels] $lib: $(cat "${lists[@]}" | wc -l) kernels"
fi
