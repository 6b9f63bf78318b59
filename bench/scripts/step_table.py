#!/usr/bin/env python3
"""The table of bench/scripts/gpu_step.sh: reads step-bench.csv, prints markdown.

    step_table.py step-bench.csv [DEVICE]     (DEVICE: cuda, the default, or cpu for a smoke test)

Ratios are of median step times. Targets (issue 8): Myelin with graphs <= 0.5x PyTorch eager on
the MNIST-shape (784-512-256-10, both batches) and Pima (8-20-20-2) models, <= 1.0x on the wide
GEMM-bound one (4096-4096-4096-10); Myelin on the GPU (its faster mode) faster than Myelin's best
CPU row, on every configuration.
"""
import csv
import sys

MODES = ["torch-eager", "torch-eager-fused", "torch-graphs", "torch-compile", "myelin-eager",
         "myelin-graphs"]
TARGET = {"4096-4096-4096-10": 1.0}  # everything else: 0.5


def main():
    path = sys.argv[1]
    device = sys.argv[2] if len(sys.argv) > 2 else "cuda"
    rows = {}
    problems = {}  # note -> the rows that have it
    with open(path) as f:
        for r in csv.DictReader(l for l in f if not l.startswith("#")):
            key = (r["model"], int(r["batch"]))
            rows.setdefault(key, {})[(r["device"], r["mode"])] = r
            note = r["note"] or ""
            if not r["median_ms"]:
                problems.setdefault(note, []).append(f"{r['model']}:{r['batch']} {r['device']} {r['mode']}")
            elif r["mode"] == "myelin-graphs" and "replays=" in note:
                done, total = note.split("replays=")[1].split(";")[0].split("/")
                if done != total:
                    problems.setdefault(f"replayed {done} of {total} timed steps (the rest ran "
                                        "eagerly)", []).append(f"{r['model']}:{r['batch']} "
                                                               f"{r['device']} myelin-graphs")

    def ms(row):
        return float(row["median_ms"]) if row and row["median_ms"] else None

    def fmt(v, spec=".3f"):
        return "-" if v is None else format(v, spec)

    print(f"Median ms per training step ({device}; CPU = Myelin on this machine's CPU). "
          "ratio = Myelin graphs / PyTorch eager.\n")
    print("| model | batch | torch eager | torch fused Adam | torch graphs | torch compile | "
          "myelin eager | myelin graphs | myelin CPU best | ratio | target | GPU/CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    verdicts = []
    for (model, batch), r in rows.items():
        t = {m: ms(r.get((device, m))) for m in MODES}
        cpu = [v for v in (ms(r.get(("cpu", "myelin-eager"))), ms(r.get(("cpu", "myelin-graphs"))))
               if v is not None]
        cpu_best = min(cpu) if cpu else None
        mine = t["myelin-graphs"]
        ratio = mine / t["torch-eager"] if mine and t["torch-eager"] else None
        limit = TARGET.get(model, 0.5)
        if device == "cpu":
            target, gpu_cpu = "n/a (no GPU)", None
        else:
            target = f"<= {limit}x: " + ("-" if ratio is None else "met" if ratio <= limit else "NOT met")
            best_gpu = min(v for v in (mine, t["myelin-eager"], float("inf")) if v is not None)
            gpu_cpu = best_gpu / cpu_best if cpu_best and best_gpu != float("inf") else None
            verdicts.append(f"- {model}:{batch}: graphs/torch eager {fmt(ratio, '.2f')}x, "
                            f"{target}; Myelin GPU {fmt(gpu_cpu, '.3f')}x of Myelin CPU: "
                            + ("-" if gpu_cpu is None else "faster (met)" if gpu_cpu < 1
                               else "NOT faster"))
        print(f"| {model} | {batch} | " + " | ".join(fmt(t[m]) for m in MODES)
              + f" | {fmt(cpu_best)} | {fmt(ratio, '.2f')} | {target} | {fmt(gpu_cpu, '.3f')} |")
    if verdicts:
        print("\nTargets:\n" + "\n".join(verdicts))

    print("\nMNIST shape (784-512-256-10): host CPU ms per step (issuing thread) and device peak MiB\n")
    print("| batch | device | mode | median ms | host CPU ms/step | device peak MiB |")
    print("|---:|---|---|---:|---:|---:|")
    for (model, batch), r in rows.items():
        if model != "784-512-256-10":
            continue
        for (dev, mode), row in r.items():
            if not row["median_ms"]:
                continue
            peak = row["device_peak_bytes"]
            peak = f"{int(peak) / 2**20:.1f}" if peak else "-"
            print(f"| {batch} | {dev} | {mode} | {float(row['median_ms']):.3f} | "
                  f"{float(row['host_cpu_ms_per_step']):.3f} | {peak} |")
    if problems:
        print("\nRows without numbers, or graphs that did not replay:\n")
        print("\n".join(f"- {', '.join(where)}: {why}" for why, where in problems.items()))


if __name__ == "__main__":
    main()
