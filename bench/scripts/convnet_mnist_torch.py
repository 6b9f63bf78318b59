#!/usr/bin/env python3
"""PyTorch peer of `myelin train mnist --model convnet --optimizer adam --lr 0.001 --batch-size 128`:
Keras' mnist_convnet on the same 10,000-image MNIST sample (../shared/data/mnist-sample), shuffled
with a seed and split 8,000 / 2,000, pixels / 255, Adam lr 1e-3, batch 128, shuffled batches.
Prints the test accuracy after each epoch, so the accuracy Myelin reaches can be read against what
PyTorch reaches on the same data and budget (not the same split or initial weights).

    convnet_mnist_torch.py [DATA_DIR] [EPOCHS] [SEED]
"""
import gzip
import struct
import sys

import torch
import torch.nn as nn


def idx(path):
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">i", f.read(4))[0]
        dims = struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(dims)


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/mnist-sample"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    x = idx(f"{data}/images-idx3-ubyte.gz").float().div(255).unsqueeze(1)
    y = idx(f"{data}/labels-idx1-ubyte.gz").long()
    perm = torch.randperm(len(y))
    x, y = x[perm], y[perm]
    xtr, ytr, xte, yte = x[:8000], y[:8000], x[8000:], y[8000:]
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5),
                          nn.Linear(1600, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for e in range(1, epochs + 1):
        model.train()
        order = torch.randperm(8000)
        for i in range(0, 8000, 128):
            b = order[i:i + 128]
            opt.zero_grad()
            loss_fn(model(xtr[b]), ytr[b]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {e} test accuracy {acc:.4f}", flush=True)


if __name__ == "__main__":
    main()
