#!/usr/bin/env bash
# Test of build-kernels.sh with a fake nvcc: after switching nvcc 12.4 -> 13.0, every fatbin is
# rebuilt and kernels.properties says 13.0 (before the fix the 12.4 fatbins were kept while the
# properties claimed 13.0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/bin"
echo '// a' >"$tmp/src/a.cu"
cat >"$tmp/bin/nvcc" <<'FAKE'
#!/usr/bin/env bash
if [[ "$1" == --version ]]; then echo "Cuda compilation tools, release $FAKE_NVCC, V$FAKE_NVCC.0"; exit 0; fi
while [[ $# -gt 0 ]]; do if [[ "$1" == -o ]]; then o=$2; fi; shift; done
echo "built by $FAKE_NVCC" >"$o"
echo "ptxas info    : Compiling entry function 'k_f32' for 'sm_80'"
FAKE
chmod +x "$tmp/bin/nvcc"
PATH="$tmp/bin:$PATH" FAKE_NVCC=12.4 bash "$here/build-kernels.sh" "$tmp/src" "$tmp/classes" "$tmp/logs" >/dev/null
PATH="$tmp/bin:$PATH" FAKE_NVCC=13.0 bash "$here/build-kernels.sh" "$tmp/src" "$tmp/classes" "$tmp/logs" >/dev/null
k="$tmp/classes/io/myelin/kernels"
grep -q '^cuda.version=13.0$' "$k/kernels.properties" || { echo "FAIL: kernels.properties: $(cat "$k/kernels.properties")"; exit 1; }
grep -q 'built by 13.0' "$k/a.fatbin" || { echo "FAIL: a.fatbin kept from another nvcc ($(cat "$k/a.fatbin")) while kernels.properties says 13.0"; exit 1; }
PATH="$tmp/bin:$PATH" FAKE_NVCC=13.0 bash "$here/build-kernels.sh" "$tmp/src" "$tmp/classes" "$tmp/logs" | grep -q 'up to date' || { echo "FAIL: same nvcc rebuilt an up-to-date fatbin"; exit 1; }
echo "build-kernels.sh: version check passed"
