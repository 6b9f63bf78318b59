#!/usr/bin/env python3
"""numpy's SGEMM (matmul into a preallocated result) at 1 and 2 OpenBLAS threads: the peer for
bench/RESULTS.md. Run with the OPENBLAS_* variables of this machine unset in the command alone,
so numpy's current OpenBLAS picks its own kernel:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/scripts/numpy_sgemm.py

The thread count is set through threadpoolctl when it is installed; without it, each thread count
runs in a child process started with OPENBLAS_NUM_THREADS (read by OpenBLAS when it loads).
Shapes are MxKxN, A and B row-major (numpy's `a @ b`); SHAPES="1024,128x784x512" picks others.
"""
import os, subprocess, sys, time, statistics as st
import numpy as np

SHAPES = os.environ.get("SHAPES", "1024,2048,128x784x512,512x128x784,128x256x512")


def shapes():
    for s in SHAPES.split(","):
        p = [int(x) for x in s.split("x")]
        yield (p[0], p[0], p[0]) if len(p) == 1 else tuple(p)


def run(th):
    for (m, k, n) in shapes():
        a = np.random.rand(m, k).astype(np.float32)
        b = np.random.rand(k, n).astype(np.float32)
        c = np.empty((m, n), np.float32)
        for _ in range(3):
            np.matmul(a, b, out=c)
        ts = []
        for _ in range(15):
            t = time.perf_counter()
            r = max(1, int(2e8 / (m * n * k)))
            for _ in range(r):
                np.matmul(a, b, out=c)
            ts.append((time.perf_counter() - t) / r)
        print(f"{m}x{k}x{n} thr {th}: {2 * m * n * k / st.median(ts) / 1e9:.1f} GFLOP/s", flush=True)


if len(sys.argv) > 1 and sys.argv[1] == "--child":
    run(int(os.environ["OPENBLAS_NUM_THREADS"]))
    sys.exit(0)
try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:
    threadpool_limits = None
if threadpool_limits is None:
    cfg = np.show_config(mode="dicts") if "mode" in np.show_config.__code__.co_varnames else {}
    blas = cfg.get("Build Dependencies", {}).get("blas", {}) if cfg else {}
    print("openblas", blas.get("version", "?"), "(no threadpoolctl: OPENBLAS_NUM_THREADS per run)")
    for th in (1, 2):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(th))
        subprocess.run([sys.executable, __file__, "--child"], env=env, check=True)
    sys.exit(0)
info = [i for i in threadpool_info() if i["internal_api"] == "openblas"]
print("openblas", info[0].get("version"), info[0].get("architecture"), "threads", info[0].get("num_threads"))
for th in (1, 2):
    with threadpool_limits(th):
        run(th)
