#!/usr/bin/env python3
"""PyTorch on the same GPU for the kernels io.myelin.cuda.KernelBenchmark times.

Prints CSV lines in the Java benchmark's format,
    kernel,<name>,<shape>,torch,<ms>,<bytes>,<GB/s>     copy,d2d,<bytes>,torch,<ms>,<bytes>,<GB/s>
and, given the directory KernelBenchmark dumped its inputs and outputs to, one line per kernel
    diff,<name>,<max abs difference between Myelin's output and PyTorch's on the same input>
Bytes are counted as in the Java benchmark (each input read once, each output written once).
Usage: kernels_torch.py [DUMP_DIR]
"""
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"# {e}: no PyTorch timings")
    sys.exit(0)

if not torch.cuda.is_available():
    print("# torch sees no CUDA device")
    sys.exit(0)

dump = sys.argv[1] if len(sys.argv) > 1 else None
dev = "cuda"


def timed(fn, reps=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    stop.record()
    stop.synchronize()
    return start.elapsed_time(stop) / reps


def report(name, shape, ms, nbytes):
    print(f"kernel,{name},{shape},torch,{ms:.4f},{nbytes},{nbytes / (ms * 1e-3) / 1e9:.1f}")


def load(name, dtype, shape):
    path = os.path.join(dump, name + ".bin")
    if dump is None or not os.path.exists(path):
        return None
    return torch.from_numpy(np.fromfile(path, dtype=dtype).reshape(shape)).to(dev)


def diff(name, mine, theirs):
    if mine is not None:
        print(f"diff,{name},{(mine.double() - theirs.double()).abs().max().item():.3e}")


print(f"# torch {torch.__version__}, {torch.cuda.get_device_name(0)}")

n = 64 << 20
src = torch.rand(n, device=dev)
dst = torch.empty_like(src)
ms = timed(lambda: dst.copy_(src))
print(f"copy,d2d,{4 * n},torch,{ms:.4f},{8 * n},{8 * n / (ms * 1e-3) / 1e9:.1f}")
del src, dst

rows, cols = 65536, 1024
x = load("softmax.x", np.float32, (rows, cols))
x = x if x is not None else torch.rand(rows, cols, device=dev) * 16 - 8
report("softmax", f"{rows}x{cols}", timed(lambda: torch.softmax(x, dim=1)), 8 * rows * cols)
diff("softmax", load("softmax.y", np.float32, (rows, cols)), torch.softmax(x, dim=1))
del x

b, c, s = 256, 64, 56 * 56
x = load("batchnorm.x", np.float32, (b, c, s))
x = x if x is not None else torch.rand(b, c, s, device=dev) * 4 - 2
g = load("batchnorm.gamma", np.float32, (c,))
g = g if g is not None else torch.ones(c, device=dev)
be = load("batchnorm.beta", np.float32, (c,))
be = be if be is not None else torch.zeros(c, device=dev)
x4 = x.reshape(b, c, 56, 56)
bn = lambda: torch.nn.functional.batch_norm(x4, None, None, g, be, training=True, eps=1e-5)
report("batchnorm_train_fwd", f"{b}x{c}x{s}", timed(bn), 8 * b * c * s)
diff("batchnorm_train_fwd", load("batchnorm.y", np.float32, (b, c, s)), bn().reshape(b, c, s))
del x, x4

rows, classes = 65536, 1000
x = load("cross_entropy.x", np.float32, (rows, classes))
x = x if x is not None else torch.rand(rows, classes, device=dev) * 16 - 8
labels = load("cross_entropy.labels", np.int32, (rows,))
labels = (labels if labels is not None else torch.randint(0, classes, (rows,), device=dev)).long()
xg = x.clone().requires_grad_(True)
ce = lambda: torch.nn.functional.cross_entropy(x, labels)
report("cross_entropy_fwd", f"{rows}x{classes}", timed(ce), 4 * rows * classes + 8 * rows)


def ce_backward():
    xg.grad = None
    torch.nn.functional.cross_entropy(xg, labels).backward()


# PyTorch's backward needs its forward (log-softmax saved); the time includes both.
report("cross_entropy_fwd_bwd", f"{rows}x{classes}", timed(ce_backward), 8 * rows * classes + 4 * rows)
total = load("cross_entropy.total", np.float32, (2,))
if total is not None:
    diff("cross_entropy_fwd", total[:1], ce().reshape(1))
    ce_backward()
    diff("cross_entropy_bwd", load("cross_entropy.gx", np.float32, (rows, classes)), xg.grad)
