#!/usr/bin/env bash
# A steady Fashion-MNIST epoch (784-512-256-10 ReLU, Adam 1e-3, batch 128, 60k samples: the
# `myelin train fashion-mnist` run of bench/RESULTS.md) against the machine's limit for it, and the
# first epoch against a steady one (issue 18's targets: steady >= 0.6 of the limit, first <= 1.3x):
#
#   bench/scripts/fashion_limit.sh                  # 4 epochs, 2 threads
#   EPOCHS=6 THREADS=1 bench/scripts/fashion_limit.sh
#   MYELIN_JAVA_OPTS="-XX:..." bench/scripts/fashion_limit.sh   # JVM flags for the Myelin run
#
# The limit (io.myelin.bench.MlpEpochLimit, measured here, before the training, on THREADS
# threads): the epoch's GEMM FLOP at the FMA peak (FmaPeak's loop on every thread at once) plus
# its optimizer traffic (Adam: 32 bytes per parameter and step) at the copy bandwidth of an array
# the size of the optimizer's state. The steady epoch is the median of epochs 2..EPOCHS (seconds
# per epoch from --history); fraction = limit / steady epoch. The limit is measured before and
# again after the training and the lower of the two is used: on a shared machine a slow moment
# lowers the measured peak, and a high limit would flatter the fraction (round 6 saw 1.14 s once
# where the machine's limit measures 0.83-0.87 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=${EPOCHS:-4}
THREADS=${THREADS:-2}
FASHION=${FASHION:-../shared/data/fashion-mnist}
[ -e "$FASHION/train-images-idx3-ubyte.gz" ] || { echo "fashion_limit: $FASHION not found (set FASHION=DIR)" >&2; exit 2; }
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -ntp -o -q -Pbench -pl bench -am package -DskipTests >&2
fi
./myelin devices >/dev/null # builds the CLI's jars on first use
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg); $(git log -1 --format=%h)"
"$JAVA" --add-modules jdk.incubator.vector -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.myelin.bench.MlpEpochLimit --model 784-512-256-10 --batch 128 --samples 60000 \
  --threads "$THREADS" 2>/dev/null | tee "$out/limit"
echo "# load before training: $(cut -d' ' -f1 /proc/loadavg)"
/usr/bin/time -f "%e %U %S" -o "$out/time" ./myelin train fashion-mnist --data "$FASHION" \
  --model mlp:784-512-256-10 --optimizer adam --lr 0.001 --epochs "$EPOCHS" --batch-size 128 \
  --threads "$THREADS" --history "$out/h.csv" >/dev/null
echo "# the limit again, after the training:"
"$JAVA" --add-modules jdk.incubator.vector -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  io.myelin.bench.MlpEpochLimit --model 784-512-256-10 --batch 128 --samples 60000 \
  --threads "$THREADS" 2>/dev/null | tee "$out/limit2" | grep limit_seconds
/usr/bin/python3 - "$out" <<'PY'
import csv, statistics as st, sys
out = sys.argv[1]
def limit_of(f):
    kv = dict(l.strip().split("=", 1) for l in open(f) if "=" in l and " " not in l.strip())
    return float(kv["limit_seconds"])
limit = min(limit_of(f"{out}/limit"), limit_of(f"{out}/limit2"))
ep = [float(r["seconds"]) for r in csv.DictReader(open(f"{out}/h.csv"))]
steady = st.median(ep[1:])
wall, u, s = map(float, open(f"{out}/time").read().split()[-3:])
print("epochs (s):", " ".join(f"{e:.3f}" for e in ep))
print(f"steady epoch (median of 2..{len(ep)}): {steady:.3f} s; first epoch {ep[0]:.3f} s = {ep[0] / steady:.2f}x steady")
print(f"limit {limit:.3f} s (the lower of before and after); steady epoch at {limit / steady:.2f} of the limit (target >= 0.6)")
print(f"myelin process: wall {wall:.1f} s, cpu {u + s:.1f} s")
PY
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
