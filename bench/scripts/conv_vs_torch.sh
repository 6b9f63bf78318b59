#!/usr/bin/env bash
# Keras' mnist_convnet training step (batch 128, Adam, float32, CPU) in Myelin and in PyTorch,
# side by side: ROUNDS rounds, each running Myelin (io.myelin.bench.ConvStepBenchmark, a fresh
# JVM) then PyTorch (conv_torch.py) at 1 and 2 intra-op threads, interleaved so that both see the
# same machine load. Prints every row, the medians over rounds, the Myelin/PyTorch step-time ratio
# against PyTorch's best thread count, the convolutions' GFLOP/s, and the one-thread FMA peak
# (io.myelin.bench.FmaPeak) they are read against.
#
#   mvn -B -ntp -q -Pbench -pl bench -am package -DskipTests      # once
#   bench/scripts/conv_vs_torch.sh                         # ROUNDS=3 STEPS=40 by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-40}
WARMUP=${WARMUP:-10}
PY=/usr/bin/python3 # Debian's python, the one python3-torch installs into
if [[ -z "${JAVA:-}" ]]; then
  for j in "${JAVA_HOME:-/nonexistent}/bin/java" /usr/lib/jvm/*25*/bin/java; do
    [[ -x "$j" ]] && { JAVA=$j; break; }
  done
fi
[[ -n "${JAVA:-}" ]] || { echo "conv_vs_torch: no JDK 25 found (set JAVA)" >&2; exit 2; }
[[ -f "$root/bench/target/classpath.txt" ]] \
  || { echo "conv_vs_torch: build first: mvn -B -ntp -q -Pbench -pl bench -am package -DskipTests" >&2; exit 2; }
"$PY" -c 'import torch' 2>/dev/null \
  || { echo "conv_vs_torch: PyTorch missing (apt-get install python3-torch)" >&2; exit 2; }
CP="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg); steps $STEPS, warm-up $WARMUP"
echo "who,batch,steps,median_ms,p10_ms,p90_ms,conv_ms,conv_gflops,note"
for r in $(seq "$ROUNDS"); do
  "$JAVA" --add-modules jdk.incubator.vector -cp "$CP" io.myelin.bench.ConvStepBenchmark \
    --steps "$STEPS" --warmup "$WARMUP" 2>/dev/null | tee -a "$out"
  for t in 1 2; do
    "$PY" "$here/conv_torch.py" --steps "$STEPS" --warmup "$WARMUP" --threads "$t" | tee -a "$out"
  done
done
peak=$("$JAVA" --add-modules jdk.incubator.vector -cp "$CP" io.myelin.bench.FmaPeak 2 2>/dev/null)
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$out" "$peak" <<'PY'
import statistics as st, sys, re
rows = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    rows.setdefault(f[0], []).append((float(f[3]), float(f[6]), float(f[7])))
med = {k: (st.median(v[0] for v in vs), st.median(v[1] for v in vs), st.median(v[2] for v in vs))
       for k, vs in rows.items()}
for k, (step, conv, gf) in sorted(med.items()):
    print(f"{k:10s} step median {step:8.2f} ms   convolutions {conv:8.2f} ms = {gf:6.1f} GFLOP/s")
best = min((v[0], k) for k, v in med.items() if k.startswith("torch"))
print(f"ratio myelin / {best[1]} (PyTorch's best): {med['myelin'][0] / best[0]:.2f}x step time")
print(sys.argv[2])
m = re.search(r"([0-9.]+) GFLOP/s", sys.argv[2])
if m:
    print(f"myelin convolutions: {med['myelin'][2] / float(m.group(1)):.2f} x the one-thread FMA peak")
PY
