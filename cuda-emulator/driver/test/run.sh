#!/usr/bin/env bash
# Builds the emulated driver and checks (1) every symbol JCuda's libJCudaDriver imports is defined in
# libcuda.so.1, (2) the checked list still matches the jcuda-natives jar in ~/.m2 when it is there,
# (3) the device queries and stubs behave as test/device_test.c expects, (4) a stub logs its name once,
# (5) memory, streams, synchronous copies' ordering, modules, launches, memcheck, capture and graphs (test/*_test.c).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$here/build.sh" "$out" "${MYELIN_EMU_KERNELS_DIR:-$here/../target/kernels}"
list="$here/jcuda-driver-symbols.txt"
nm -D --defined-only "$out/libcuda.so.1" | awk '{ print $3 }' | sort -u > "$out/defined.txt"
missing="$(comm -23 "$list" "$out/defined.txt")"
if [[ -n "$missing" ]]; then
  echo "FAIL: libcuda.so.1 lacks symbols JCuda imports: $missing" >&2
  exit 1
fi
jar="$(ls "$HOME"/.m2/repository/org/jcuda/jcuda-natives/*/jcuda-natives-*-linux-x86_64.jar 2>/dev/null | tail -1 || true)"
if [[ -n "$jar" ]] && ! command -v unzip > /dev/null; then
  echo "note: unzip not found, the list is not compared with $jar" >&2
  jar=""
fi
if [[ -n "$jar" ]]; then
  (cd "$out" && unzip -q -o "$jar" 'lib/libJCudaDriver-*.so')
  nm -D --undefined-only "$out"/lib/libJCudaDriver-*.so | awk '{ print $2 }' | grep '^cu' \
    | sed 's/@.*//' | sort -u > "$out/imported.txt"
  if ! diff -u "$list" "$out/imported.txt"; then
    echo "FAIL: jcuda-driver-symbols.txt differs from what $jar imports (diff above)" >&2
    exit 1
  fi
fi
gcc -std=c11 -Wall -Werror "$here/test/device_test.c" -o "$out/device_test" -L"$out" -l:libcuda.so.1
LD_LIBRARY_PATH="$out" "$out/device_test" 2> "$out/stderr.txt" || { cat "$out/stderr.txt" >&2; exit 1; }
logged="$(grep -c 'cuCtxAttach is not supported' "$out/stderr.txt" || true)"
if [[ "$logged" != 1 ]]; then
  echo "FAIL: the stub logged its name $logged times, expected once" >&2
  cat "$out/stderr.txt" >&2
  exit 1
fi
gcc -std=c11 -Wall -Werror "$here/test/memory_test.c" -o "$out/memory_test" -L"$out" -l:libcuda.so.1
LD_LIBRARY_PATH="$out" "$out/memory_test"
gcc -std=c11 -Wall -Werror "$here/test/stream_test.c" -o "$out/stream_test" -L"$out" -l:libcuda.so.1
LD_LIBRARY_PATH="$out" "$out/stream_test"
gcc -std=c11 -Wall -Werror "$here/test/sync_copy_test.c" -o "$out/sync_copy_test" -L"$out" -l:libcuda.so.1
LD_LIBRARY_PATH="$out" "$out/sync_copy_test"
fatbins="$here/../../kernels/target/classes/io/myelin/kernels"
if [[ -f "$fatbins/elementwise.fatbin" ]]; then
  gcc -std=c11 -Wall -Werror "$here/test/launch_test.c" -o "$out/launch_test" -L"$out" -l:libcuda.so.1
  LD_LIBRARY_PATH="$out" "$out/launch_test" "$fatbins" 2> "$out/launch.txt" || { cat "$out/launch.txt" >&2; exit 1; }
  grep -q 'kernel philox_words_i32 wrote outside the allocation' "$out/launch.txt" \
    || { echo "FAIL: memcheck did not name the kernel that wrote past its allocation" >&2; cat "$out/launch.txt" >&2; exit 1; }
else
  echo "note: no fatbins in $fatbins (nvcc missing): modules and launches not tested" >&2
fi
echo "emulated driver: $(wc -l < "$list") JCuda imports defined, $(comm -12 "$list" "$out/defined.txt" | wc -l) checked"
