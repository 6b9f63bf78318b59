#!/usr/bin/env bash
# Training-step time, Myelin next to PyTorch on the same GPU in the same run (issue 8's
# benchmark): identical models, batches, optimizer (Adam 1e-3, cross-entropy) and device-resident
# data; median step time over >= 200 steps after warm-up, in blocks between synchronisations (see
# io.myelin.bench.StepBenchmark and step_torch.py for the method). Prints a table with the
# ratios and whether the targets are met; writes OUTDIR/step-bench.csv (a "#" line with the
# machine and settings, then the rows), step-bench.md (the table) and step-bench.log (stderr).
#
#   bench/scripts/gpu_step.sh OUTDIR                 # from the repo, after mvn -Pbench -pl bench -am package
#   DEVICE=cpu STEPS=40 bench/scripts/gpu_step.sh /tmp/s   # smoke test without a GPU
#   (scripts/gpu-check run calls it from the bundle with JAVA and MYELIN_CP set)
#
# Configurations (model:batch): 784-512-256-10:128 and :1024 (MNIST shape), 4096-4096-4096-10:1024
# (wide, GEMM-bound), 8-20-20-2:614 (Pima, full batch, overhead-bound). Rows:
#   torch  eager, eager-fused, graphs (whole step in one CUDA graph), compile (reduce-overhead;
#          its own process under COMPILE_TIMEOUT, last, so a slow compile costs only its rows)
#   myelin eager and graphs on DEVICE, one JVM per row (the device peak is per backend lifetime);
#          eager and graphs on the CPU as the "GPU faster than CPU" baseline (CPU_WIDE_STEPS for
#          the wide model, whose CPU step takes a good fraction of a second).
# Targets: Myelin graphs <= 0.5x PyTorch eager on the MNIST-shape and Pima models, <= 1.0x on the
# wide one; Myelin on the GPU faster than Myelin's best CPU row on all of them.
#
# Environment: DEVICE (cuda), STEPS (200), WARMUP (50, PyTorch), MYELIN_WARMUP (100: the JVM's
# JIT needs more steps than PyTorch to reach its steady state), BLOCK (20), CPU_STEPS (200),
# CPU_WIDE_STEPS (20), CPU_WIDE_WARMUP (3), PRECISION (highest, or high = TF32 on both sides),
# COMPILE (1; 0 skips torch.compile), COMPILE_TIMEOUT (100 s), ROW_TIMEOUT (60 s per JVM),
# JAVA (a JDK 25 java), MYELIN_CP (class path with StepBenchmark and the engine jars), PY (python3).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: gpu_step.sh OUTDIR}
mkdir -p "$out"
DEVICE=${DEVICE:-cuda}
STEPS=${STEPS:-200}
WARMUP=${WARMUP:-50}
MYELIN_WARMUP=${MYELIN_WARMUP:-100}
BLOCK=${BLOCK:-20}
CPU_STEPS=${CPU_STEPS:-$STEPS}
CPU_WIDE_STEPS=${CPU_WIDE_STEPS:-20}
CPU_WIDE_WARMUP=${CPU_WIDE_WARMUP:-3}
PRECISION=${PRECISION:-highest}
COMPILE=${COMPILE:-1}
COMPILE_TIMEOUT=${COMPILE_TIMEOUT:-100}
ROW_TIMEOUT=${ROW_TIMEOUT:-60}
PY=${PY:-python3}
WIDE=4096-4096-4096-10
CONFIGS=(784-512-256-10:128 784-512-256-10:1024 $WIDE:1024 8-20-20-2:614)

if [[ -z "${JAVA:-}" ]]; then
  for j in "${JAVA_HOME:-/nonexistent}/bin/java" /usr/lib/jvm/*25*/bin/java; do
    [[ -x "$j" ]] && { JAVA=$j; break; }
  done
fi
[[ -n "${JAVA:-}" ]] || { echo "gpu_step: no JDK 25 found (set JAVA)" >&2; exit 2; }
if [[ -z "${MYELIN_CP:-}" ]]; then
  root=$(cd "$here/../.." && pwd)
  [[ -f "$root/bench/target/classpath.txt" ]] \
    || { echo "gpu_step: build first: mvn -B -ntp -q -Pbench -pl bench -am package -DskipTests" >&2; exit 2; }
  MYELIN_CP="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
fi
csv="$out/step-bench.csv"
log="$out/step-bench.log"
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg); device $DEVICE;" \
  "steps $STEPS (cpu $CPU_STEPS, cpu wide $CPU_WIDE_STEPS), warm-up torch $WARMUP / myelin" \
  "$MYELIN_WARMUP, block $BLOCK, precision $PRECISION" | tee "$csv"
echo "model,batch,device,mode,steps,median_ms,p10_ms,p90_ms,host_cpu_ms_per_step,device_peak_bytes,note" >>"$csv"
: >"$log"

# One Myelin row: a fresh JVM, its stderr to the log, a row saying so when it timed out.
myelin() { # device model batch graphs steps warmup
  local rc=0
  echo "== myelin $*" >>"$log"
  timeout "$ROW_TIMEOUT" "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -Xss4m -cp "$MYELIN_CP" io.myelin.bench.StepBenchmark --device "$1" --model "$2" --batch "$3" \
    --graphs "$4" --steps "$5" --warmup "$6" --block "$BLOCK" --precision "$PRECISION" \
    >"$out/row.tmp" 2>>"$log" || rc=$?
  tee -a "$csv" <"$out/row.tmp"
  rm -f "$out/row.tmp"
  if [[ $rc -eq 124 ]]; then
    echo "$2,$3,$1,myelin-$([[ $4 == true ]] && echo graphs || echo eager),0,,,,,,timeout after ${ROW_TIMEOUT} s" | tee -a "$csv"
  fi
}

torch_rows() { # timeout device modes steps warmup configs...
  local limit=$1 dev=$2 modes=$3 steps=$4 warm=$5 rc=0
  shift 5
  local list
  list=$(IFS=,; echo "$*")
  echo "== torch $dev $modes $list" >>"$log"
  PYTHONUNBUFFERED=1 timeout "$limit" "$PY" "$here/step_torch.py" --device "$dev" --configs "$list" \
    --modes "$modes" --steps "$steps" --warmup "$warm" --block "$BLOCK" --precision "$PRECISION" \
    2>>"$log" | tee -a "$csv" || rc=$?
  if [[ $rc -eq 124 ]]; then
    echo "# torch $modes: timeout after $limit s (rows missing above are the ones it did not reach)" | tee -a "$log"
  elif [[ $rc -ne 0 ]]; then
    echo "# torch $modes: exit $rc (see $log)" | tee -a "$log"
  fi
}

if command -v "$PY" >/dev/null && "$PY" -c 'import torch' 2>/dev/null; then
  have_torch=1
else
  have_torch=0
  echo "# $PY with torch not found: no PyTorch rows" | tee -a "$log"
fi

if [[ $DEVICE == cpu ]]; then # smoke test: everything on the CPU, the wide model shortened
  cpu_configs=(784-512-256-10:128 784-512-256-10:1024 8-20-20-2:614)
  ((have_torch)) && torch_rows 300 cpu eager "$CPU_STEPS" "$WARMUP" "${cpu_configs[@]}"
  ((have_torch)) && torch_rows 300 cpu eager "$CPU_WIDE_STEPS" "$CPU_WIDE_WARMUP" "$WIDE:1024"
else
  ((have_torch)) && torch_rows 240 "$DEVICE" eager,eager-fused,graphs "$STEPS" "$WARMUP" "${CONFIGS[@]}"
  for c in "${CONFIGS[@]}"; do
    for g in false true; do
      myelin "$DEVICE" "${c%:*}" "${c#*:}" "$g" "$STEPS" "$MYELIN_WARMUP"
    done
  done
fi
for c in "${CONFIGS[@]}"; do # Myelin on the CPU: the baseline of "GPU faster than CPU"
  if [[ ${c%:*} == "$WIDE" ]]; then
    myelin cpu "${c%:*}" "${c#*:}" false "$CPU_WIDE_STEPS" "$CPU_WIDE_WARMUP"
  else
    for g in false true; do
      myelin cpu "${c%:*}" "${c#*:}" "$g" "$CPU_STEPS" "$MYELIN_WARMUP"
    done
  fi
done
if [[ $DEVICE != cpu && $COMPILE == 1 ]] && ((have_torch)); then
  torch_rows "$COMPILE_TIMEOUT" "$DEVICE" compile "$STEPS" "$WARMUP" "${CONFIGS[@]}"
fi

"$PY" "$here/step_table.py" "$csv" "$DEVICE" | tee "$out/step-bench.md"
