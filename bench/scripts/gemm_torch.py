#!/usr/bin/env python3
"""torch.matmul float32 timings on the GPU, for comparison with io.myelin.cuda.GemmBenchmark.

Same cases and the same CSV line format as the Java benchmark:
    gemm,<label>,<m>,<n>,<k>,torch,<ms>,<tflops>
Timed with CUDA events around a batch of repetitions after warm-up. TF32 is switched off so both
sides compute true float32 GEMMs (Myelin's cuBLAS handle uses CUBLAS_DEFAULT_MATH).
Usage: gemm_torch.py [--quick]
"""
import sys

try:
    import torch
except ImportError:
    print("# torch is not installed: no PyTorch timings")
    sys.exit(0)

if not torch.cuda.is_available():
    print("# torch sees no CUDA device")
    sys.exit(0)

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

quick = "--quick" in sys.argv[1:]
cases = [(f"square{s}", s, s, s, False, False) for s in (1024, 2048, 4096, 8192) if not quick or s <= 2048]
# Linear(784 -> 1024 -> 1024 -> 10) at batch 512: forward x W^T, backward dX = dY W, dW = dY^T X.
cases += [
    ("mlp_fwd_784x1024", 512, 1024, 784, False, True),
    ("mlp_fwd_1024x1024", 512, 1024, 1024, False, True),
    ("mlp_fwd_1024x10", 512, 10, 1024, False, True),
    ("mlp_bwd_dx_1024x1024", 512, 1024, 1024, False, False),
    ("mlp_bwd_dw_1024x1024", 1024, 1024, 512, True, False),
]

print(f"# torch {torch.__version__}, {torch.cuda.get_device_name(0)}")
for label, m, n, k, ta, tb in cases:
    a = torch.rand((k, m) if ta else (m, k), device="cuda") * 2 - 1
    b = torch.rand((n, k) if tb else (k, n), device="cuda") * 2 - 1
    opa = a.t() if ta else a
    opb = b.t() if tb else b
    for _ in range(3):
        torch.matmul(opa, opb)
    torch.cuda.synchronize()
    flops = 2.0 * m * n * k
    reps = int(max(3, min(200, 2e12 / flops)))
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        torch.matmul(opa, opb)
    stop.record()
    stop.synchronize()
    ms = start.elapsed_time(stop) / reps
    print(f"gemm,{label},{m},{n},{k},torch,{ms:.4f},{flops / (ms * 1e-3) / 1e12:.2f}")
