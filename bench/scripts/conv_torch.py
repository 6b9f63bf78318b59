#!/usr/bin/env python3
"""The PyTorch half of bench/scripts/conv_vs_torch.sh: training-step time of Keras' mnist_convnet
on the CPU, the columns of io.myelin.bench.ConvStepBenchmark.

    conv_torch.py [--batch 128] [--steps 40] [--warmup 10] [--block 5] [--threads N]

Model: Conv2d(1, 32, 3), ReLU, MaxPool2d(2), Conv2d(32, 64, 3), ReLU, MaxPool2d(2), Flatten,
Dropout(0.5), Linear(1600, 10) (PyTorch's default initialisation), mean cross-entropy, Adam lr 1e-3
(its default implementation), float32. Data: one seeded N(0, 1) batch [batch, 1, 28, 28] with
labels i % 10, made once. Steps run in blocks of K timed with perf_counter; the row has the
median, 10th and 90th percentiles of the per-step times over blocks, then both convolutions alone
(forward + backward, conv1 without input gradient) as median ms and GFLOP/s.
"""
import argparse
import time

import torch
import torch.nn as nn


def quantile(s, q):
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (pos - lo) * (s[hi] - s[lo])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--block", type=int, default=5)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5),
                          nn.Linear(1600, 10))
    g = torch.Generator().manual_seed(1)
    x = torch.randn(a.batch, 1, 28, 28, generator=g)
    y = torch.arange(a.batch) % 10
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    blocks = max(1, (a.steps + a.block - 1) // a.block)
    per_step = []
    loss_sum = 0.0
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(a.block):
            loss_sum += step()
        per_step.append((time.perf_counter() - t0) * 1e3 / a.block)
    per_step.sort()

    x1 = torch.randn(a.batch, 1, 28, 28, generator=g)
    w1 = torch.randn(32, 1, 3, 3, generator=g, requires_grad=True)
    x2 = torch.randn(a.batch, 32, 13, 13, generator=g, requires_grad=True)
    w2 = torch.randn(64, 32, 3, 3, generator=g, requires_grad=True)
    flops = 2.0 * a.batch * 26 * 26 * 32 * 9 * 2 + 2.0 * a.batch * 11 * 11 * 64 * 288 * 3
    conv_ms = []
    for r in range(-3, 3 * blocks):
        t0 = time.perf_counter()
        c1 = torch.nn.functional.conv2d(x1, w1)
        c1.backward(torch.ones_like(c1))
        c2 = torch.nn.functional.conv2d(x2, w2)
        c2.backward(torch.ones_like(c2))
        w1.grad = None
        w2.grad = None
        x2.grad = None
        if r >= 0:
            conv_ms.append((time.perf_counter() - t0) * 1e3)
    conv_ms.sort()
    median = quantile(conv_ms, 0.5)
    print("torch-%dt,%d,%d,%.2f,%.2f,%.2f,%.2f,%.1f,mean loss %.4f" % (
        torch.get_num_threads(), a.batch, blocks * a.block, quantile(per_step, 0.5),
        quantile(per_step, 0.1), quantile(per_step, 0.9), median, flops / median / 1e6,
        loss_sum / (blocks * a.block)))


if __name__ == "__main__":
    main()
