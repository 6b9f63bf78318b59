#!/usr/bin/python3
"""Checks that a CNN trained by Myelin from weights written by PyTorch ends where PyTorch ends.

PyTorch (Debian's python3-torch) builds Keras' mnist_convnet without its dropout (the one random
layer; everything else is deterministic) and writes its initial state_dict as safetensors. Both
engines then train it from those weights on the same MNIST images, in the same order (Myelin with
--no-shuffle, PyTorch visiting the rows in file order), with Adam lr 1e-3, batch 128, float32, and
the script prints per-epoch training losses, the test loss/accuracy of both, and per tensor the
largest difference of the final weights next to how far training moved them.

    /usr/bin/python3 bench/scripts/convnet_from_torch_weights.py [TRAIN_ROWS] [EPOCHS] [SEED]

Myelin's history CSV holds its losses to 6 significant digits, so loss differences below about
1e-6 are not resolved.

Defaults: 2048 rows (16 steps per epoch), 3 epochs, seed 0. The images are rows of the MNIST
sample (../shared/data/mnist-sample, sorted by label, so taken in a seeded random order), written
as IDX files into a temporary folder (train + t10k, so Myelin keeps the file order and makes no
split of its own).
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = "cnn:c32k3-relu-p2-c64k3-relu-p2-flatten-10"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        magic = struct.unpack(">i", f.read(4))[0]
        dims = struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(dims)


def write_idx(path, t):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">i", 0x0800 | t.dim()))
        f.write(struct.pack(">" + "i" * t.dim(), *t.shape))
        f.write(t.contiguous().numpy().tobytes())


def save_safetensors(path, tensors):
    header, blobs, at = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, m in header.items():
        if name == "__metadata__":
            continue
        assert m["dtype"] == "F32", m
        b, e = m["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(m["shape"])
    return out


def model():
    # The state_dict names of this Sequential are those Myelin gives SPEC (0, 3, 7).
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 10))


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    test_rows = 1000
    sample = os.path.join(ROOT, "..", "shared", "data", "mnist-sample")
    x = read_idx(os.path.join(sample, "images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(sample, "labels-idx1-ubyte.gz"))
    assert rows + test_rows <= len(y), f"at most {len(y) - test_rows} training rows"
    # The sample file is sorted by label: take the rows in a seeded random order.
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(1000 + seed))
    x, y = x[perm], y[perm]
    work = tempfile.mkdtemp(prefix="convnet-from-torch-")
    write_idx(os.path.join(work, "train-images-idx3-ubyte.gz"), x[:rows])
    write_idx(os.path.join(work, "train-labels-idx1-ubyte.gz"), y[:rows])
    write_idx(os.path.join(work, "t10k-images-idx3-ubyte.gz"), x[rows:rows + test_rows])
    write_idx(os.path.join(work, "t10k-labels-idx1-ubyte.gz"), y[rows:rows + test_rows])

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    net = model()
    init = {k: v.clone() for k, v in net.state_dict().items()}
    init_path = os.path.join(work, "init.safetensors")
    save_safetensors(init_path, init)

    # PyTorch: rows in file order, batches of 128 (the last one partial), Adam 1e-3.
    xtr = x[:rows].float().div(255).unsqueeze(1)
    ytr = y[:rows].long()
    xte = x[rows:rows + test_rows].float().div(255).unsqueeze(1)
    yte = y[rows:rows + test_rows].long()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    torch_losses = []
    for _ in range(epochs):
        total = 0.0
        for i in range(0, rows, 128):
            opt.zero_grad()
            loss = loss_fn(net(xtr[i:i + 128]), ytr[i:i + 128])
            loss.backward()
            opt.step()
            total += loss.item() * len(ytr[i:i + 128])
        torch_losses.append(total / rows)
    with torch.no_grad():
        out = net(xte)
        torch_test = (loss_fn(out, yte).item(), (out.argmax(1) == yte).float().mean().item())

    # Myelin: the same data, weights, order and hyperparameters through the CLI.
    saved = os.path.join(work, "myelin.safetensors")
    history = os.path.join(work, "history.csv")
    # MYELIN: another launcher of the same CLI (default: this checkout's ./myelin).
    cmd = [os.environ.get("MYELIN", os.path.join(ROOT, "myelin")), "train", "mnist", "--data", work, "--model", SPEC,
           "--init-weights", init_path, "--no-shuffle", "--optimizer", "adam", "--lr", "0.001",
           "--batch-size", "128", "--epochs", str(epochs), "--seed", str(seed), "--device", "cpu",
           "--no-progress", "--history", history, "--save", saved]
    print("$ " + " ".join(cmd), flush=True)
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("myelin failed:\n" + run.stdout + run.stderr)
    myelin_losses = read_losses(history, epochs)
    test_line = next(l for l in run.stdout.splitlines() if l.strip().startswith("test"))
    myelin_test = tuple(float(v) for v in test_line.split()[1:3])
    ended = load_safetensors(saved)

    print(f"data: {rows} MNIST sample rows in one fixed order (seed {1000 + seed}), {test_rows} more for the test")
    print(f"model: {SPEC} (mnist_convnet without dropout), PyTorch-initialised (seed {seed})")
    print(f"train: adam lr 0.001, batch 128, {epochs} epochs = {epochs * -(-rows // 128)} steps, float32")
    print("epoch  train loss PyTorch   train loss Myelin   |difference|")
    for e, (a, b) in enumerate(zip(torch_losses, myelin_losses), 1):
        print(f"{e:5d}  {a:18.8f}  {b:18.8f}  {abs(a - b):12.3e}")
    print(f"test   loss/accuracy PyTorch {torch_test[0]:.4f}/{torch_test[1]:.4f}"
          f"   Myelin {myelin_test[0]:.4f}/{myelin_test[1]:.4f}")
    print("tensor      shape            max|W_myelin - W_torch|  max|W_torch - W_init|  ratio")
    worst = 0.0
    for name, t in net.state_dict().items():
        m = ended[name]
        assert list(m.shape) == list(t.shape), (name, m.shape, t.shape)
        diff = (m - t).abs().max().item()
        moved = (t - init[name]).abs().max().item()
        worst = max(worst, diff / moved)
        print(f"{name:10s}  {str(list(t.shape)):15s}  {diff:22.3e}  {moved:21.3e}  {diff / moved:.2e}")
    print(f"largest difference / distance moved: {worst:.2e}")


def read_losses(history, epochs):
    with open(history) as f:
        head = f.readline().strip().split(",")
        col = head.index("train_loss")
        losses = [float(l.strip().split(",")[col]) for l in f if l.strip()]
    assert len(losses) == epochs, losses
    return losses


if __name__ == "__main__":
    main()
