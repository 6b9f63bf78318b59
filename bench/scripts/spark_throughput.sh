#!/usr/bin/env bash
# Data-parallel training on Spark (local mode): samples per second with 1 and 2 workers for the
# MNIST-shape MLP (784-128-10, 101,770 parameters) on the embedded 10,000-image MNIST sample,
# next to the same model trained in one process, and the bytes each worker sends per step.
#
#   bench/scripts/spark_throughput.sh [REPEATS] [BATCH_PER_WORKER] [EPOCHS]   (defaults 3 500 3)
#
# Samples/s is taken from the history CSV (rank 0's epoch times; epoch 1, which includes JIT
# warm-up, is left out): samples of the epoch / its seconds, median over epochs and repeats.
# Spark's context start-up is not in it. Every Spark step is one barrier allGather round, which
# Spark 4.2 answers no sooner than its 1 s poll (BarrierTaskContext sleeps 1000 ms between
# checks), so per-step latency dominates unless batches are large or --average-every K > 1.
# Prints one line per configuration: name, median samples/s, steps/epoch, bytes/worker/step.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
repeats="${1:-3}"
batch="${2:-500}"
epochs="${3:-3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

run() { # name, then the extra arguments of myelin train
  local name="$1"; shift
  local rates=() steps="" bytes=""
  for i in $(seq "$repeats"); do
    "$root/myelin" train mnist --model mlp:auto-128-auto --optimizer adam --lr 0.001 \
      --epochs "$epochs" --no-progress --history "$out/h.csv" "$@" > "$out/log.txt" 2>&1 \
      || { cat "$out/log.txt" >&2; exit 1; }
    # epoch,seconds,... ; samples are not in the CSV: rows of the epoch from the log's split line
    while IFS=, read -r epoch seconds _; do
      [ "$epoch" = "epoch" ] || [ "$epoch" = "1" ] && continue
      rates+=("$(python3 -c "print($SAMPLES / $seconds)")")
    done < "$out/h.csv"
    steps="$(sed -n 's/^spark: *\([0-9]*\) steps per epoch, \([0-9,]*\) bytes.*/\1/p' "$out/log.txt")"
    bytes="$(sed -n 's/^spark: *\([0-9]*\) steps per epoch, \([0-9,]*\) bytes.*/\2/p' "$out/log.txt")"
  done
  python3 - "$name" "${steps:--}" "${bytes:--}" "${rates[@]}" <<'PY'
import statistics, sys
name, steps, nbytes, rates = sys.argv[1], sys.argv[2], sys.argv[3], [float(r) for r in sys.argv[4:]]
print(f"{name:<34} {statistics.median(rates):10.0f} samples/s  (n={len(rates)})"
      f"  steps/epoch {steps:>4}  bytes/worker/step {nbytes}")
PY
}

# Training rows per epoch: the split line of a run ("split:    8000 train, ...").
SAMPLES="$("$root/myelin" train mnist --model mlp:auto-128-auto --epochs 1 --batch-size 1000 \
  --no-progress 2>/dev/null | sed -n 's/^split: *\([0-9]*\) train.*/\1/p')"
echo "mnist sample: $SAMPLES training rows per epoch; per-worker batch $batch; $epochs epochs x $repeats repeats"
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
run "one process, batch $batch" --batch-size "$batch"
run "spark local[1], 1 worker" --batch-size "$batch" --spark 'local[1]'
run "spark local[2], 2 workers" --batch-size "$batch" --spark 'local[2]'
run "spark local[2], 2 workers, avg/8" --batch-size "$batch" --spark 'local[2]' --average-every 8
