#!/usr/bin/env python3
"""The peers of bench/scripts/mlp_vs_torch.sh: one training run of PyTorch or scikit-learn.

    mlp_peers.py torch|sklearn fashion DIR EPOCHS [--threads N]
    mlp_peers.py torch|sklearn pima CSV EPOCHS [--threads N]

fashion: 784-512-256-10 ReLU, Adam lr 1e-3, batch 128, shuffled, the 60k/10k files of DIR,
pixels / 255. pima: 8-20-20-2 ReLU, Adam lr 0.01, full batch, raw features, a stratified 80/20
split. Both: cross-entropy (mean), PyTorch's default initialisation, float32.

Prints one JSON line: peer, workload, threads, epochs, seconds (training loop only: no data
loading), epoch_seconds (one per epoch; sklearn reports only the total, spread evenly),
test_accuracy.
"""
import gzip
import json
import sys
import time

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion(d):
    x = idx(f"{d}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y = idx(f"{d}/train-labels-idx1-ubyte.gz").astype(np.int64)
    xt = idx(f"{d}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    yt = idx(f"{d}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return x, y, xt, yt, [784, 512, 256, 10], 1e-3, 128


def pima(csv):
    from sklearn.model_selection import train_test_split
    a = np.loadtxt(csv, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = a[:, :-1], a[:, -1].astype(np.int64)
    x, xt, y, yt = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    return x, y, xt, yt, [8, 20, 20, 2], 1e-2, len(x)


def run_torch(x, y, xt, yt, sizes, lr, batch, epochs):
    import torch
    import torch.nn as nn
    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(xs), generator=gen) if batch < len(xs) else torch.arange(len(xs))
        for s in range(0, len(xs), batch):
            i = order[s:s + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xs[i]), ys[i])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        acc = (model(torch.from_numpy(xt)).argmax(1).numpy() == yt).mean()
    return times, float(acc)


def run_sklearn(x, y, xt, yt, sizes, lr, batch, epochs):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    m = MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu", solver="adam",
                      alpha=0.0, batch_size=batch, learning_rate_init=lr, max_iter=epochs,
                      shuffle=True, random_state=0, tol=0.0, n_iter_no_change=epochs + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        m.fit(x, y)
        total = time.perf_counter() - t0
    return [total / epochs] * epochs, float((m.predict(xt) == yt).mean())


def main():
    args = sys.argv[1:]
    threads = 1
    if "--threads" in args:
        k = args.index("--threads")
        threads = int(args[k + 1])
        del args[k:k + 2]
    peer, workload, path, epochs = args[0], args[1], args[2], int(args[3])
    data = fashion(path) if workload == "fashion" else pima(path)
    if peer == "torch":
        import torch
        torch.set_num_threads(threads)
        times, acc = run_torch(*data, epochs)
    else:
        times, acc = run_sklearn(*data, epochs)
    print(json.dumps({"peer": peer, "workload": workload, "threads": threads, "epochs": epochs,
                      "seconds": sum(times), "epoch_seconds": times, "test_accuracy": acc}))


if __name__ == "__main__":
    main()
