#!/usr/bin/env python3
"""Writes the tiny torch-exported ONNX models that OnnxImportTest imports (a few KB, committed).

Run with Debian's python3-torch (1.13): python3 onnx/scripts/make_torch_models.py
The files land in onnx/src/test/resources/io/myelin/onnx/. Seeded: rerunning gives the same
weights (the bytes may differ across torch versions). The test compares Myelin's import with ONNX
Runtime on the same file, so it needs no torch.
"""
import os
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources",
                   "io", "myelin", "onnx")


def export(model, example, name, opset):
    model.eval()
    path = os.path.join(OUT, name)
    torch.onnx.export(model, example, path, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    print(path, os.path.getsize(path), "bytes")


def main():
    torch.manual_seed(19)
    # torch's default opset (14): an MLP of every element-wise activation torch exports as one op,
    # Dropout (dropped in eval export), Hardtanh (Clip with constant bounds).
    mlp = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 8), nn.LeakyReLU(0.2),
                        nn.Linear(8, 6), nn.ELU(0.7), nn.Linear(6, 6), nn.Softplus(), nn.Linear(6, 6),
                        nn.Hardtanh(), nn.Linear(6, 4), nn.Sigmoid(), nn.Linear(4, 3), nn.Tanh())
    export(mlp, torch.randn(2, 5), "torch_mlp_opset14.onnx", 14)

    # opset 17: Linear on a 3-D input (MatMul + Add), Flatten, GELU and SiLU as formulas, a
    # BatchNorm1d with trained running statistics, LayerNorm (LayerNormalization), LogSoftmax.
    mix = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Flatten(), nn.Linear(8, 6), nn.GELU(),
                        nn.Linear(6, 6), nn.SiLU(), nn.BatchNorm1d(6), nn.Linear(6, 5), nn.LayerNorm(5),
                        nn.Linear(5, 3), nn.LogSoftmax(dim=1))
    mix.train()
    with torch.no_grad():
        for _ in range(3):
            mix(torch.randn(16, 2, 3) * 2 + 0.5)
    export(mix, torch.randn(2, 2, 3), "torch_mix_opset17.onnx", 17)

    # opset 14: a small CNN on flat rows (reshape to images inside forward, as Myelin's CLI views
    # them): Conv (padding, groups, a BatchNorm folded into it by the eval export), MaxPool,
    # AveragePool (no padding: torch writes a padded count_include_pad pool as Pad + AveragePool),
    # a 1x1 Conv, GlobalAveragePool, Flatten, Gemm.
    cnn = FlatRowsCnn()
    cnn.train()
    with torch.no_grad():
        for _ in range(3):
            cnn(torch.randn(16, 72))
    export(cnn, torch.randn(2, 72), "torch_cnn_opset14.onnx", 14)


class FlatRowsCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(4, 6, 3, stride=1, padding=1, groups=2), nn.ReLU(),
                                  nn.AvgPool2d(2, stride=1), nn.Conv2d(6, 6, 1), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten(), nn.Linear(6, 3))

    def forward(self, x):
        return self.body(x.reshape(-1, 2, 6, 6))


if __name__ == "__main__":
    main()
