#!/usr/bin/env bash
# Compiles every kernels/src/main/cuda/*.cu into a fatbin resource (Maven generate-resources).
#
#   build-kernels.sh SRC_DIR CLASSES_DIR LOG_DIR
#
# Writes CLASSES_DIR/io/myelin/kernels/<family>.fatbin (PTX for compute_75 so any newer GPU can
# JIT it, SASS for sm_80 and sm_90 so A100/H100 start without JIT), <family>.kernels (the entry
# names, one a line, taken from ptxas -v: the Java side checks them) and kernels.properties (the
# CUDA version the kernels need from the driver). Without nvcc on PATH it prints why and exits 0:
# the CUDA backend then reports "kernels not built". A family is rebuilt only when its .cu or a
# header is newer than its fatbin.
set -euo pipefail

src=${1:?source dir}
out=${2:?classes dir}/io/myelin/kernels
logs=${3:?log dir}

if ! command -v nvcc >/dev/null 2>&1; then
  echo "[kernels] nvcc not found on PATH: skipping CUDA kernels (the CUDA backend will report 'kernels not built')"
  exit 0
fi
mkdir -p "$out" "$logs"

# "release 13.0," -> 13.0
cuda_version=$(nvcc --version | sed -n 's/.*release \([0-9]*\.[0-9]*\).*/\1/p')
targets="-gencode arch=compute_75,code=compute_75 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90"

newest_header=$(ls -t "$src"/*.cuh 2>/dev/null | head -1 || true)
for cu in "$src"/*.cu; do
  family=$(basename "$cu" .cu)
  fatbin="$out/$family.fatbin"
  # A fatbin kept from another nvcc would make kernels.properties claim the wrong CUDA version:
  # each fatbin records the version that built it, and a different version rebuilds it.
  if [[ -f "$fatbin" && -f "$out/$family.kernels" && "$fatbin" -nt "$cu" && ( -z "$newest_header" || "$fatbin" -nt "$newest_header" )
        && "$(cat "$out/$family.nvcc-version" 2>/dev/null)" == "$cuda_version" ]]; then
    echo "[kernels] $family.fatbin is up to date"
    continue
  fi
  echo "[kernels] nvcc $family.cu (CUDA $cuda_version)"
  log="$logs/$family.ptxas.log"
  # shellcheck disable=SC2086
  if ! nvcc -fatbin -O3 -std=c++17 --threads 2 $targets -Xptxas -v -o "$fatbin.tmp" "$cu" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$fatbin.tmp"
    exit 1
  fi
  grep -E "Compiling entry function '[A-Za-z0-9_]+' for 'sm_80'" "$log" \
    | sed -E "s/.*entry function '([A-Za-z0-9_]+)'.*/\1/" | sort -u >"$out/$family.kernels"
  if grep -qE '[1-9][0-9]* bytes spill' "$log"; then
    echo "[kernels] WARNING: register spills in $family (see $log)" >&2
  fi
  mv "$fatbin.tmp" "$fatbin"
  echo "$cuda_version" >"$out/$family.nvcc-version"
done

cat >"$out/kernels.properties" <<PROPS
# Written by kernels/build-kernels.sh
cuda.version=$cuda_version
targets=compute_75 (PTX), sm_80, sm_90 (SASS)
families=$(ls "$src"/*.cu | xargs -n1 basename | sed 's/\.cu$//' | tr '\n' ',' | sed 's/,$//')
PROPS
