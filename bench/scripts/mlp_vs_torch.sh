#!/usr/bin/env bash
# Whole training runs, Myelin (CPU, the `myelin` command line) next to PyTorch and scikit-learn on
# the same machine, interleaved round by round; prints medians and Myelin/peer time ratios.
#
#   bench/scripts/mlp_vs_torch.sh                 # 3 rounds, Fashion-MNIST 5 epochs, Pima 700
#   ROUNDS=5 EPOCHS=10 bench/scripts/mlp_vs_torch.sh
#
# Workloads (same model, batch, optimizer and epochs on every side; see mlp_peers.py):
#   fashion  784-512-256-10 ReLU, Adam 1e-3, batch 128, 60k/10k (../shared/data/fashion-mnist)
#   pima     8-20-20-2 ReLU, Adam 0.01, full batch, 700 epochs (../shared/data/pima-diabetes)
# Peers: PyTorch (Debian's python3-torch, installed with apt when missing) at 1 and 2 intra-op
# threads - its best here is 1, as its OpenMP pool otherwise fights the BLAS's own threads - and
# scikit-learn's MLPClassifier (python3-sklearn). Epoch time is the median over epochs 2..N (the
# first one holds the JVM's JIT warm-up; it is reported apart); run time is the whole training loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
EPOCHS=${EPOCHS:-5}
FASHION=${FASHION:-../shared/data/fashion-mnist}
PIMA=${PIMA:-../shared/data/pima-diabetes/diabetes.csv}
PY=/usr/bin/python3 # Debian's python, the one python3-torch installs into
# The peers run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on this machine for an older
# OpenBLAS): Debian's OpenBLAS 0.3.21 then picks its AVX-512 kernel itself (libopenblas0-pthread
# must be installed, or torch and numpy use the reference BLAS; bench/RESULTS.md 2026-12-07).
PEER="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY"
for f in "$FASHION/train-images-idx3-ubyte.gz" "$PIMA"; do
  [ -e "$f" ] || { echo "mlp_vs_torch: $f not found (set FASHION=DIR or PIMA=FILE)" >&2; exit 2; }
done
if ! "$PY" -c 'import torch, sklearn' 2>/dev/null; then
  echo "installing python3-torch and python3-sklearn with apt..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch \
    python3-sklearn) >&2
fi
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 ] ||
  echo "mlp_vs_torch: libopenblas0-pthread is not installed: the peers run on the reference BLAS" >&2
./myelin devices >/dev/null # builds the jars on first use
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  ./myelin train fashion-mnist --data "$FASHION" --model mlp:784-512-256-10 --optimizer adam \
    --lr 0.001 --epochs "$EPOCHS" --batch-size 128 --history "$out/m-fashion-$r.csv" \
    --summary "$out/m-fashion-$r.json" >/dev/null
  ./myelin train diabetes --model mlp:8-20-20-2 --activation relu --optimizer adam --lr 0.01 \
    --epochs 700 --batch-size 0 --log-every 700 --history "$out/m-pima-$r.csv" \
    --summary "$out/m-pima-$r.json" >/dev/null
  for t in 1 2; do
    $PEER bench/scripts/mlp_peers.py torch fashion "$FASHION" "$EPOCHS" --threads "$t" >>"$out/peers.jsonl"
    $PEER bench/scripts/mlp_peers.py torch pima "$PIMA" 700 --threads "$t" >>"$out/peers.jsonl"
  done
  $PEER bench/scripts/mlp_peers.py sklearn fashion "$FASHION" "$EPOCHS" >>"$out/peers.jsonl"
  $PEER bench/scripts/mlp_peers.py sklearn pima "$PIMA" 700 >>"$out/peers.jsonl"
done
"$PY" - "$out" "$ROUNDS" <<'PY'
import csv, json, statistics as st, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows = {}
def add(key, epochs, total, acc):
    rows.setdefault(key, []).append((epochs, total, acc))
for w in ("fashion", "pima"):
    for r in range(1, rounds + 1):
        with open(f"{out}/m-{w}-{r}.csv") as f:
            epochs = [float(row["seconds"]) for row in csv.DictReader(f)]
        s = json.load(open(f"{out}/m-{w}-{r}.json"))
        add((w, "myelin"), epochs, s["seconds"], s["test_accuracy"])
for line in open(f"{out}/peers.jsonl"):
    p = json.loads(line)
    name = p["peer"] + (f" {p['threads']}t" if p["peer"] == "torch" else "")
    add((p["workload"], name), p["epoch_seconds"], p["seconds"], p["test_accuracy"])
print(f"{'workload':8} {'run':12} {'epoch 1 s':>10} {'epoch s':>9} {'run s':>8} {'test acc':>9}"
      f" {'myelin/peer (epoch, run)':>26}")
for w in ("fashion", "pima"):
    mine = rows[(w, "myelin")]
    m_epoch = st.median(st.median(e[1:] or e) for e, _, _ in mine)
    m_run = st.median(t for _, t, _ in mine)
    for key in [k for k in rows if k[0] == w]:
        runs = rows[key]
        first = st.median(e[0] for e, _, _ in runs)
        epoch = st.median(st.median(e[1:] or e) for e, _, _ in runs)
        total = st.median(t for _, t, _ in runs)
        acc = st.median(a for _, _, a in runs)
        ratio = "" if key[1] == "myelin" else f"{m_epoch / epoch:.2f}x, {m_run / total:.2f}x"
        print(f"{w:8} {key[1]:12} {first:10.4f} {epoch:9.4f} {total:8.3f} {acc:9.4f} {ratio:>26}")
PY
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
