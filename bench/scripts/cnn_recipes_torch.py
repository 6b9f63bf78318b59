#!/usr/bin/env python3
"""Recipe search in PyTorch for `myelin train mnist|fashion-mnist --model ...`: the same data, split,
preprocessing, model grammar, optimizer, per-epoch schedule and augmentation as the CLI, so that a
recipe can be chosen cheaply here and confirmed once in Myelin (whose training follows PyTorch's to
~1e-6 from the same weights: convnet_from_torch_weights.py). Not the same random draws: the split,
initial weights, batch order and shifts come from torch's generator, not Myelin's.

What the CLI does, mirrored here:
  fashion-mnist  train-* (60,000) / t10k-* (10,000) IDX files, pixels / 255; --val-split F holds out
                 ceil(F * 60000) training rows (stratified) and trains on the rest.
  mnist          the 10,000-image sample (grouped by label in the file), shuffled with the seed,
                 split stratified: ceil(0.2 * n) test rows, ceil(F * n) validation rows, the rest
                 train (8,000 with no validation); pixels / 255.
  --model        cnn:TOKEN-...-CLASSES (CnnSpec's grammar) or the presets convnet / lenet5;
                 PyTorch's default initialisation (Myelin's too).
  adam           torch.optim.Adam (lr, betas 0.9/0.999, eps 1e-8; --weight-decay as coupled L2).
  --lr-schedule  none or cosine[:MIN]: per epoch, lr_e = min + (lr - min)(1 + cos(pi e / E)) / 2 for
                 e = 0..E-1 (CosineAnnealingLR stepped after each epoch).
  --augment      shift:N: each training image moves by (dy, dx) uniform in [-N, N], blank (0) pixels
                 entering (torchvision's RandomCrop(28, padding=N)); hflip (this script only, the CLI
                 has no flip): each training image mirrored left-right with probability 1/2
                 (RandomHorizontalFlip); both: "shift:N+hflip". --weight-decay and
                 --label-smoothing are likewise PyTorch-side explorations.

Prints each epoch's test (and validation) accuracy, then one summary line per run and, for several
seeds, the mean, standard deviation, min and max of the final test accuracy.

The CLI's exact MNIST split for a seed (its test images differ from this script's split) comes from
bench/scripts/MnistCliSplit.java; pass its folder as --split-dir.

    cnn_recipes_torch.py --data fashion --model convnet --lr 0.001 --batch 128 --epochs 15 \
        --schedule cosine --seeds 0,1,2 [--val-split 0.1] [--augment shift:1] [--threads 1]
"""
import argparse
import gzip
import math
import re
import statistics
import struct
import time

import torch
import torch.nn as nn

PRESETS = {
    "convnet": "cnn:c32k3-relu-p2-c64k3-relu-p2-flatten-d0.5-auto",
    "lenet5": "cnn:c6k5p2-tanh-a2-c16k5-tanh-a2-flatten-f120-tanh-f84-tanh-auto",
}
ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU, "elu": nn.ELU,
        "softplus": nn.Softplus, "swish": nn.SiLU}


def idx(path):
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">i", f.read(4))[0]
        dims = struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(dims)


def stratified(labels, val_frac, test_frac, gen):
    """Row indices (train, val, test): ceil(f * n) rows per part, each class's share kept."""
    n = len(labels)
    n_test, n_val = math.ceil(test_frac * n), math.ceil(val_frac * n)
    parts = ([], [], [])
    counts = torch.bincount(labels)
    # largest-remainder apportionment of the test, then the validation rows over the classes
    def apportion(total, weights):
        exact = [total * w / sum(weights) for w in weights]
        out = [math.floor(e) for e in exact]
        for c in sorted(range(len(exact)), key=lambda c: out[c] - exact[c])[: total - sum(out)]:
            out[c] += 1
        return out
    t_per = apportion(n_test, counts.tolist())
    v_per = apportion(n_val, counts.tolist())
    for c in range(len(counts)):
        rows = (labels == c).nonzero().flatten()
        rows = rows[torch.randperm(len(rows), generator=gen)]
        parts[2].append(rows[: t_per[c]])
        parts[1].append(rows[t_per[c]: t_per[c] + v_per[c]])
        parts[0].append(rows[t_per[c] + v_per[c]:])
    return [torch.cat(p) for p in parts]


def load(data, val_frac, seed, split_dir=None):
    gen = torch.Generator().manual_seed(seed)
    if data == "fashion" or split_dir:
        d = split_dir or "../shared/data/fashion-mnist"
        x, y = idx(f"{d}/train-images-idx3-ubyte.gz"), idx(f"{d}/train-labels-idx1-ubyte.gz").long()
        xte, yte = idx(f"{d}/t10k-images-idx3-ubyte.gz"), idx(f"{d}/t10k-labels-idx1-ubyte.gz").long()
        tr, va, _ = stratified(y, val_frac, 0.0, gen)
    else:
        d = "../shared/data/mnist-sample"
        x, y = idx(f"{d}/images-idx3-ubyte.gz"), idx(f"{d}/labels-idx1-ubyte.gz").long()
        perm = torch.randperm(len(y), generator=gen)
        x, y = x[perm], y[perm]
        tr, va, te = stratified(y, val_frac, 0.2, gen)
        xte, yte = x[te], y[te]
    f = lambda t: t.float().div(255).unsqueeze(1)
    return (f(x[tr]), y[tr]), (f(x[va]), y[va]) if len(va) else None, (f(xte), yte)


def build(spec, classes=10, side=28):
    text = PRESETS.get(spec, spec)
    *tokens, last = text[4:].split("-")
    c, h, flat, layers = 1, side, None, []
    for t in tokens:
        if m := re.fullmatch(r"c(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?", t):
            o, k, s, p = int(m[1]), int(m[2]), int(m[3] or 1), int(m[4] or 0)
            layers.append(nn.Conv2d(c, o, k, s, p))
            c, h = o, (h + 2 * p - k) // s + 1
        elif m := re.fullmatch(r"([pa])(\d+)(?:s(\d+))?", t):
            k, s = int(m[2]), int(m[3] or m[2])
            layers.append((nn.MaxPool2d if m[1] == "p" else nn.AvgPool2d)(k, s))
            h = (h - k) // s + 1
        elif t == "gap":
            layers.append(nn.AdaptiveAvgPool2d(1))
            h = 1
        elif t == "bn":
            layers.append(nn.BatchNorm2d(c) if flat is None else nn.BatchNorm1d(flat))
        elif t == "flatten":
            layers.append(nn.Flatten())
            flat = c * h * h
        elif m := re.fullmatch(r"f(\d+)", t):
            layers.append(nn.Linear(flat, int(m[1])))
            flat = int(m[1])
        elif m := re.fullmatch(r"d(0?\.\d+|0)", t):
            layers.append(nn.Dropout(float(m[1])))
        else:
            layers.append(ACTS[t]())
    layers.append(nn.Linear(flat, classes if last == "auto" else int(last)))
    return nn.Sequential(*layers)


def augment(xb, spec, gen):
    if spec == "none":
        return xb
    for part in spec.split("+"):
        if part.startswith("shift:"):
            n = int(part[6:])
            b, _, h, w = xb.shape
            padded = torch.nn.functional.pad(xb, (n, n, n, n))
            d = torch.randint(0, 2 * n + 1, (b, 2), generator=gen)
            xb = torch.stack([padded[i, :, d[i, 0]:d[i, 0] + h, d[i, 1]:d[i, 1] + w] for i in range(b)])
        elif part == "hflip":
            flip = torch.rand(xb.shape[0], generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
        else:
            raise ValueError(f"unknown augmentation {part}")
    return xb


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
                      for i in range(0, len(y), 1000))
    return correct / len(y)


def run(a, seed):
    torch.manual_seed(seed)
    (xtr, ytr), val, (xte, yte) = load(a.data, a.val_split, seed, a.split_dir)
    model = build(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)
    gen = torch.Generator().manual_seed(seed + 1)
    lo = float(a.schedule.split(":")[1]) if ":" in a.schedule else 0.0
    start = time.time()
    for e in range(a.epochs):
        if a.schedule.startswith("cosine"):
            for g in opt.param_groups:
                g["lr"] = lo + (a.lr - lo) * (1 + math.cos(math.pi * e / a.epochs)) / 2
        model.train()
        order = torch.randperm(len(ytr), generator=gen)
        for i in range(0, len(ytr), a.batch):
            b = order[i:i + a.batch]
            opt.zero_grad()
            loss_fn(model(augment(xtr[b], a.augment, gen)), ytr[b]).backward()
            opt.step()
        v = f" val {accuracy(model, *val):.4f}" if val else ""
        print(f"  seed {seed} epoch {e + 1:2d}{v} test {accuracy(model, xte, yte):.4f}"
              f" ({time.time() - start:.0f} s)", flush=True)
    train_acc = accuracy(model, xtr, ytr)
    test_acc = accuracy(model, xte, yte)
    print(f"seed {seed}: train {train_acc:.4f} test {test_acc:.4f} in {time.time() - start:.0f} s",
          flush=True)
    return test_acc


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", choices=["fashion", "mnist"], default="fashion")
    p.add_argument("--model", default="convnet")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--schedule", default="none")
    p.add_argument("--augment", default="none")
    p.add_argument("--val-split", type=float, default=0.0)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--seeds", default="0")
    p.add_argument("--split-dir", help="train-* / t10k-* IDX files of a fixed split (for mnist: the"
                   " CLI's own, written by MnistCliSplit.java); the seeds then vary only the"
                   " initial weights, batch order, dropout and augmentation")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    print(f"recipe: {vars(a)}", flush=True)
    accs = [run(a, int(s)) for s in a.seeds.split(",")]
    if len(accs) > 1:
        print(f"test accuracy over seeds {a.seeds}: mean {statistics.mean(accs):.4f}"
              f" sd {statistics.stdev(accs):.4f} min {min(accs):.4f} max {max(accs):.4f}")


if __name__ == "__main__":
    main()
