#!/usr/bin/env bash
# The course's Pima run, `./myelin train diabetes` (8-20-20-2 ReLU, Adam 0.01, full batch, 700
# epochs), next to the same training in PyTorch, interleaved round by round (Myelin, then torch,
# each a fresh process), with medians and Myelin/PyTorch ratios:
#
#   bench/scripts/pima_vs_torch.sh                    # 5 rounds
#   ROUNDS=9 MYELIN_ARGS="--threads 1" bench/scripts/pima_vs_torch.sh
#   MYELIN_JAVA_OPTS="-XX:..." bench/scripts/pima_vs_torch.sh   # try JVM flags (the launcher adds them)
#   B_OPTS="-Dmyelin.cpu.scalarElements=0" bench/scripts/pima_vs_torch.sh  # A/B: a second Myelin
#       run per round with these JVM flags added (row "myelin B"), interleaved with the first
#   B_ENV="MYELIN_AOT=1" bench/scripts/pima_vs_torch.sh   # A/B of launcher settings (environment)
#   B_CMD=/tmp/myelin-old bench/scripts/pima_vs_torch.sh  # A/B of two builds: row "myelin B" runs
#       this command instead of ./myelin (e.g. a script that runs the CLI on a copy of older jars)
#
# Columns (seconds; median over rounds):
#   wall     the whole command, process start to exit (JVM start-up, data, training, report;
#            python: interpreter start, `import torch`, data, training)
#   cpu      user + system CPU time of that process (all its threads: the JIT compilers too) -
#            less disturbed than wall by other load on a shared machine
#   loop     the training loop alone (Myelin's --summary seconds; torch: the sum of its epochs)
#   first100 the first 100 epochs (where the JIT warm-up lands)
#   step     steady state: median epoch (= one full-batch step) over epochs 351..700
#   step10   the 10th percentile of the same epochs: on a loaded machine the median drifts with the
#            other load, the fast tenth much less
# PyTorch is Debian's python3-torch on OpenBLAS (libopenblas0-pthread) with 1 intra-op thread (its
# best on this size), OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment so that
# OpenBLAS picks its kernel for this CPU itself (these variables are set on this machine for an
# older OpenBLAS that does not know the CPU).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-5}
PIMA=${PIMA:-../shared/data/pima-diabetes/diabetes.csv}
PY=/usr/bin/python3
MYELIN_ARGS=${MYELIN_ARGS:-}
[ -e "$PIMA" ] || { echo "pima_vs_torch: $PIMA not found (set PIMA=FILE)" >&2; exit 2; }
"$PY" -c 'import torch, sklearn' 2>/dev/null || {
  echo "pima_vs_torch: needs python3-torch, python3-sklearn (apt-get install)" >&2
  exit 2
}
./myelin devices >/dev/null # builds the jars on first use
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg); $(git log -1 --format=%h)"
B_CMD=${B_CMD:-}
echo "# MYELIN_ARGS='$MYELIN_ARGS' MYELIN_JAVA_OPTS='${MYELIN_JAVA_OPTS:-}' B_OPTS='${B_OPTS:-}' B_ENV='${B_ENV:-}' B_CMD='$B_CMD'"
for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS, load $(cut -d' ' -f1 /proc/loadavg)" >&2
  # shellcheck disable=SC2086
  /usr/bin/time -f "%e %U %S" -o "$out/m-time-$r" ./myelin train diabetes $MYELIN_ARGS \
    --history "$out/m-$r.csv" --summary "$out/m-$r.json" >/dev/null
  if [ -n "${B_OPTS:-}${B_ENV:-}$B_CMD" ]; then
    # shellcheck disable=SC2086
    env ${B_ENV:-} MYELIN_JAVA_OPTS="${MYELIN_JAVA_OPTS:-} ${B_OPTS:-}" /usr/bin/time -f "%e %U %S" -o "$out/b-time-$r" \
      ${B_CMD:-./myelin} train diabetes $MYELIN_ARGS --history "$out/b-$r.csv" --summary "$out/b-$r.json" >/dev/null
  fi
  /usr/bin/time -f "%e %U %S" -o "$out/t-time-$r" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    "$PY" bench/scripts/mlp_peers.py torch pima "$PIMA" 700 --threads 1 >"$out/t-$r.json"
  echo "$(cut -d' ' -f1 /proc/loadavg)" >>"$out/load"
done
"$PY" - "$out" "$ROUNDS" <<'PY'
import csv, json, statistics as st, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def times(f):
    e, u, s = map(float, open(f).read().split()[-3:])
    return e, u + s
import os
def p10(v):
    return sorted(v)[len(v) // 10]
rows = {"myelin": [], "myelin B": [], "torch 1t": []}
for r in range(1, rounds + 1):
    for key, f in (("myelin", "m"), ("myelin B", "b")):
        if not os.path.exists(f"{out}/{f}-{r}.csv"):
            continue
        with open(f"{out}/{f}-{r}.csv") as fh:
            ep = [float(row["seconds"]) for row in csv.DictReader(fh)]
        s = json.load(open(f"{out}/{f}-{r}.json"))
        rows[key].append((*times(f"{out}/{f}-time-{r}"), s["seconds"], sum(ep[:100]), st.median(ep[350:]), p10(ep[350:])))
    t = json.loads(open(f"{out}/t-{r}.json").read())
    ep = t["epoch_seconds"]
    rows["torch 1t"].append((*times(f"{out}/t-time-{r}"), t["seconds"], sum(ep[:100]), st.median(ep[350:]), p10(ep[350:])))
cols = ["wall", "cpu", "loop", "first100", "step", "step10"]
med = {k: [st.median(x[i] for x in v) for i in range(6)] for k, v in rows.items() if v}
print(f"{'run':10}" + "".join(f"{c:>10}" for c in cols))
for k, m in med.items():
    print(f"{k:10}" + "".join(f"{x:10.4f}" if not c.startswith("step") else f"{x * 1e3:8.3f}ms" for c, x in zip(cols, m)))
for k in ("myelin", "myelin B"):
    if k in med:
        print(f"{k + '/torch':10}"[:10] + "".join(f"{a / b:9.2f}x" for a, b in zip(med[k], med["torch 1t"])))
for k, v in rows.items():
    if v:
        print(f"{k:9} per round (wall, cpu, loop, step ms):",
              " ".join(f"{w:.2f}/{c:.2f}/{l:.2f}/{s * 1e3:.3f}" for w, c, l, _, s, _ in v))
print("load per round:", " ".join(open(f"{out}/load").read().split()))
PY
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
