package io.myelin.bench;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Activation;
import io.myelin.nn.Conv2d;
import io.myelin.nn.Convolution;
import io.myelin.nn.Dropout;
import io.myelin.nn.Flatten;
import io.myelin.nn.Linear;
import io.myelin.nn.MaxPool2d;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import java.util.Arrays;

/**
 * Training-step time of Keras' mnist_convnet (Conv 32 3x3, ReLU, MaxPool 2, Conv 64 3x3, ReLU,
 * MaxPool 2, Flatten, Dropout 0.5, Linear 10; cross-entropy, Adam lr 1e-3, float32) on the CPU at
 * batch 128: the Myelin half of {@code bench/scripts/conv_vs_torch.sh}, whose PyTorch half is
 * {@code bench/scripts/conv_torch.py} with the same model, data and timing.
 *
 * <pre>
 * ConvStepBenchmark [--batch 128] [--steps 40] [--warmup 10] [--block 5]
 * </pre>
 *
 * <p>Data: one seeded N(0, 1) batch [batch, 1, 28, 28] with labels i % 10, made once. Steps run in
 * blocks of K (the CPU backend is synchronous, so a block's wall time / K is its per-step time);
 * prints one CSV line: median, p10, p90 per-step milliseconds over blocks, then the convolutions
 * alone (both layers, forward + backward: 3 GEMM-sized products each, FLOPs counted as 2 per
 * multiply-add of those products) as median milliseconds and GFLOP/s.
 */
public final class ConvStepBenchmark {
  private ConvStepBenchmark() {}

  public static void main(String[] args) {
    int batch = intArg(args, "--batch", 128);
    int steps = intArg(args, "--steps", 40);
    int warmup = intArg(args, "--warmup", 10);
    int block = intArg(args, "--block", 5);
    Generator gen = new Generator(0);
    Sequential model =
        new Sequential(
            new Conv2d(1, 32, 3, gen),
            Activation.byName("relu").layer(),
            new MaxPool2d(2),
            new Conv2d(32, 64, 3, gen),
            Activation.byName("relu").layer(),
            new MaxPool2d(2),
            new Flatten(),
            new Dropout(0.5, gen),
            new Linear(1600, 10, true, gen));
    Tensor x = Tensor.randn(new Generator(1), batch, 1, 28, 28).persist();
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = i % 10;
    }
    Tensor y = Tensor.ofInts(labels, batch).persist();
    CrossEntropyLoss loss = new CrossEntropyLoss();
    double lossSum = 0;
    try (Adam adam = new Adam(model.parameters(), Adam.Options.defaults().withLr(1e-3))) {
      for (int i = 0; i < warmup; i++) {
        step(model, loss, adam, x, y);
      }
      int blocks = Math.max(1, (steps + block - 1) / block);
      double[] perStep = new double[blocks];
      for (int b = 0; b < blocks; b++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < block; i++) {
          lossSum += step(model, loss, adam, x, y);
        }
        perStep[b] = (System.nanoTime() - t0) / 1e6 / block;
      }
      Arrays.sort(perStep);
      double[] conv = convolutionsAlone(batch, 3 * blocks);
      System.out.printf(
          "myelin,%d,%d,%.2f,%.2f,%.2f,%.2f,%.1f,mean loss %.4f%n",
          batch,
          blocks * block,
          quantile(perStep, 0.5),
          quantile(perStep, 0.1),
          quantile(perStep, 0.9),
          conv[0],
          conv[1],
          lossSum / (blocks * block));
    }
    DeviceManager.global().backend(x.device()).synchronize();
  }

  private static double step(
      Sequential model, CrossEntropyLoss loss, Adam adam, Tensor x, Tensor y) {
    try (MemoryScope ignored = MemoryScope.open()) {
      adam.zeroGrad();
      Tensor l = loss.forward(model.forward(x), y);
      l.backward();
      adam.step();
      return l.item();
    }
  }

  /** Median ms and GFLOP/s of both convolutions forward + backward (input, weight and bias). */
  private static double[] convolutionsAlone(int batch, int reps) {
    Generator g = new Generator(2);
    Tensor x1 = Tensor.randn(g, batch, 1, 28, 28).persist();
    Tensor w1 = Tensor.randn(g, 32, 1, 3, 3).requiresGrad(true).persist();
    Tensor x2 = Tensor.randn(g, batch, 32, 13, 13).requiresGrad(true).persist();
    Tensor w2 = Tensor.randn(g, 64, 32, 3, 3).requiresGrad(true).persist();
    // conv1: no input gradient (the first layer), so forward + weight gradient; conv2: all three.
    double flops = 2.0 * batch * 26 * 26 * 32 * 9 * 2 + 2.0 * batch * 11 * 11 * 64 * 288 * 3;
    double[] ms = new double[reps];
    for (int r = -3; r < reps; r++) {
      long t0 = System.nanoTime();
      try (MemoryScope ignored = MemoryScope.open()) {
        Tensor a = Convolution.conv2d(x1, w1, null);
        a.backward(Tensor.onesLike(a));
        Tensor b = Convolution.conv2d(x2, w2, null);
        b.backward(Tensor.onesLike(b));
      }
      w1.zeroGrad();
      w2.zeroGrad();
      x2.zeroGrad();
      if (r >= 0) {
        ms[r] = (System.nanoTime() - t0) / 1e6;
      }
    }
    Arrays.sort(ms);
    double median = quantile(ms, 0.5);
    return new double[] {median, flops / median / 1e6};
  }

  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) pos;
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
