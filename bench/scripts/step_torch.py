#!/usr/bin/env python3
"""The PyTorch half of bench/scripts/gpu_step.sh: training-step time of an MLP, the columns of
io.myelin.bench.StepBenchmark.

    step_torch.py --device cuda --configs 784-512-256-10:128,8-20-20-2:614 \
        [--modes eager,eager-fused,graphs,compile] [--steps 200] [--warmup 50] [--block 20] \
        [--precision highest|high] [--threads N] [--header]

Model: Linear + ReLU between consecutive sizes (nn.Linear's default initialisation), mean
cross-entropy, Adam lr 1e-3, float32. Data: one batch created once on the device, on which every
step trains: seeded N(0, 1) rows [batch, in], each repeated once per class with the labels
0..classes-1 (see batch_data).

Modes (one CSV row each; a mode that cannot run gives a row with no numbers and the reason):
  eager        zero_grad(set_to_none), forward, loss, backward, Adam.step() - Adam's default
               implementation (foreach on CUDA), what a user gets.
  eager-fused  the same with Adam(fused=True): one kernel launch for the whole update.
  graphs       the whole step (forward, loss, backward, Adam(capturable=True).step()) captured
               once in a torch.cuda.CUDAGraph after 3 warm-up steps on a side stream (the
               "whole network capture" of the CUDA graphs notes), then replayed, the batch
               copied into the graph's input buffers before each replay (what a loop over
               batches does, and what Myelin's TrainingStep does on every replay).
  compile      forward + loss through torch.compile(mode="reduce-overhead") (inductor kernels,
               forward and backward in CUDA graphs), backward as usual, Adam eager (foreach).
               The compile time is in the note; a failure is caught and reported.

Timing, as StepBenchmark: the timed steps run in blocks of K steps (at least 10 blocks); on
CUDA each block is timed with two torch.cuda.Events and the device synchronised after it, on
the CPU with perf_counter. The row gives the median and 10th/90th percentiles (linear
interpolation) of the blocks' per-step times. host_cpu_ms_per_step is time.thread_time() of
the issuing thread while it issues the steps (synchronisations left out). device_peak_bytes is
torch.cuda.max_memory_allocated() since the configuration's model was built (peak stats reset
first); empty on the CPU. The note has the mean loss of the timed steps (summed on the device in
float64, as TrainingStep does: one more small kernel per step on both sides).
"""
import argparse
import gc
import sys
import time

import torch
import torch.nn as nn

HEADER = ("model,batch,device,mode,steps,median_ms,p10_ms,p90_ms,host_cpu_ms_per_step,"
          "device_peak_bytes,note")


def quantile(sorted_values, q):
    """Linear interpolation between order statistics (numpy's default), as StepBenchmark."""
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (pos - lo) * (sorted_values[hi] - sorted_values[lo])


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def batch_data(rows, inputs, classes, device):
    """Seeded N(0, 1) rows, each repeated once per class with labels 0..classes-1 (as
    StepBenchmark: no model can fit it, so the loss stays near ln(classes) and the gradients never
    turn to zeros, as they do once a model has memorised a batch of independent random labels)."""
    gen = torch.Generator(device=device).manual_seed(0)
    base = torch.randn(-(-rows // classes), inputs, device=device, generator=gen)
    index = torch.arange(rows, device=device)
    return base[index // classes].contiguous(), index % classes


def csv_safe(text):
    return str(text).replace(",", ";").replace("\n", " ").replace("\r", " ")[:300]


class Unavailable(Exception):
    """A mode that cannot run here (no CUDA for graphs, no torch.compile)."""


def build_step(mode, model, x, y, device, running):
    """Returns (step, note): step() runs one training step and issues it without a host sync,
    adding its loss to the float64 scalar `running` on the device (as TrainingStep sums its
    loss there)."""
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())
    if mode == "eager":
        opt = torch.optim.Adam(params, lr=1e-3)
    elif mode == "eager-fused":
        if device.type != "cuda":
            raise Unavailable("Adam(fused=True) benchmarked on CUDA only")
        opt = torch.optim.Adam(params, lr=1e-3, fused=True)
    elif mode == "graphs":
        if device.type != "cuda":
            raise Unavailable("CUDA graphs need a CUDA device")
        opt = torch.optim.Adam(params, lr=1e-3, capturable=True)
    elif mode == "compile":
        if not hasattr(torch, "compile"):
            raise Unavailable(f"torch {torch.__version__} has no torch.compile")
        opt = torch.optim.Adam(params, lr=1e-3)
    else:
        raise ValueError(f"unknown mode {mode}")

    def eager_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        running.add_(loss.detach())

    if mode in ("eager", "eager-fused"):
        return eager_step, ""
    if mode == "graphs":
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                eager_step()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        static_x, static_y = x.clone(), y.clone()
        opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            static_loss = loss_fn(model(static_x), static_y)
            static_loss.backward()
            opt.step()
            running.add_(static_loss.detach())

        def replay():
            static_x.copy_(x)  # as a loop over batches does, and as Myelin's TrainingStep does
            static_y.copy_(y)
            graph.replay()
        return replay, "whole step captured; batch copied in before each replay; Adam(capturable=True)"
    # compile
    t0 = time.perf_counter()
    forward_loss = torch.compile(lambda a, b: loss_fn(model(a), b), mode="reduce-overhead")
    mark = getattr(getattr(torch, "compiler", None), "cudagraph_mark_step_begin", None)

    def compiled_step():
        if mark is not None:
            mark()
        opt.zero_grad(set_to_none=True)
        loss = forward_loss(x, y)
        loss.backward()
        opt.step()
        running.add_(loss.detach())
    for _ in range(3):  # compiles (forward, backward) and records the graphs
        compiled_step()
    sync(device)
    return compiled_step, f"compile+record {time.perf_counter() - t0:.1f} s"


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure(sizes, batch, mode, device, steps, warmup, block):
    """One configuration; returns a CSV row."""
    model_name = "-".join(map(str, sizes))
    prefix = f"{model_name},{batch},{device.type},torch-{mode}"
    if steps < 10 * block:
        block = max(1, steps // 10)
    blocks = -(-steps // block)
    try:
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        torch.manual_seed(0)
        model = mlp(sizes).to(device)
        x, y = batch_data(batch, sizes[0], sizes[-1], device)
        running = torch.zeros((), dtype=torch.float64, device=device)
        step, note = build_step(mode, model, x, y, device, running)
        for _ in range(warmup):
            step()
        sync(device)
        running.zero_()
        per_step, cpu = [], 0.0
        for _ in range(blocks):
            if device.type == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
            t0, c0 = time.perf_counter(), time.thread_time()
            for _ in range(block):
                step()
            cpu += time.thread_time() - c0
            if device.type == "cuda":
                end.record()
                end.synchronize()
                per_step.append(start.elapsed_time(end) / block)
            else:
                per_step.append((time.perf_counter() - t0) * 1e3 / block)
        timed = blocks * block
        mean_loss = float(running) / timed
        peak = torch.cuda.max_memory_allocated() if device.type == "cuda" else ""
        per_step.sort()
        note = "; ".join(n for n in (note, f"loss={mean_loss:.4f}",
                                     f"precision={torch.get_float32_matmul_precision()}",
                                     f"block={block}", f"torch {torch.__version__}") if n)
        return (f"{prefix},{timed},{quantile(per_step, 0.5):.4f},{quantile(per_step, 0.1):.4f},"
                f"{quantile(per_step, 0.9):.4f},{cpu * 1e3 / timed:.4f},{peak},{csv_safe(note)}")
    except Unavailable as e:
        return f"{prefix},0,,,,,,unavailable: {csv_safe(e)}"
    except Exception as e:  # torch.compile failing (no triton, no compiler) lands here too
        print(f"step_torch: {prefix}: {type(e).__name__}: {e}", file=sys.stderr)
        return f"{prefix},0,,,,,,failed: {csv_safe(type(e).__name__ + ': ' + str(e))}"
    finally:
        if mode == "compile" and hasattr(torch, "_dynamo"):
            torch._dynamo.reset()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--configs", default="784-512-256-10:128",
                   help="comma-separated MODEL:BATCH, e.g. 784-512-256-10:128,8-20-20-2:614")
    p.add_argument("--modes", default="eager,eager-fused,graphs,compile")
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--block", type=int, default=20)
    p.add_argument("--precision", default="highest", choices=["highest", "high"])
    p.add_argument("--threads", type=int, default=0, help="intra-op threads on the CPU (0: torch's)")
    p.add_argument("--header", action="store_true")
    a = p.parse_args()
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("step_torch: CUDA requested but torch.cuda.is_available() is false")
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.set_float32_matmul_precision(a.precision)
    if a.header:
        print(HEADER, flush=True)
    for spec in a.configs.split(","):
        model, batch = spec.split(":")
        sizes = [int(s) for s in model.split("-")]
        for mode in a.modes.split(","):
            print(measure(sizes, int(batch), mode, device, a.steps, a.warmup, a.block), flush=True)


if __name__ == "__main__":
    main()
