package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.memory.MemoryScope;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Models trained end to end through the public Tensor API with plain gradient descent: the loss
 * must fall and the fit must be good, on every backend.
 */
public abstract class TrainingConformanceTest extends DeviceTestBase {

  /** Two Gaussian blobs in d dims, labels 0/1, seeded. */
  private static float[][] blobs(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * d];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int label = i % 2;
      y[i] = label;
      for (int j = 0; j < d; j++) {
        double center = label == 1 ? 1.0 : -1.0;
        x[i * d + j] = (float) (center * (j == 0 ? 1.5 : 0.5) + r.nextGaussian());
      }
    }
    return new float[][] {x, y};
  }

  private static void sgdStep(List<Tensor> params, double lr) {
    try (var ignored = Autograd.noGrad()) {
      for (Tensor p : params) {
        p.assign(p.sub(p.grad().mul(lr)));
        p.zeroGrad();
      }
    }
  }

  @Test
  void logisticRegressionLearnsTwoBlobs() {
    int n = 400;
    int d = 3;
    float[][] data = blobs(n, d, 1);
    Tensor x = Tensor.of(data[0], n, d);
    Tensor y = Tensor.of(data[1], n, 1);
    Tensor w = Tensor.zeros(d, 1).requiresGrad(true);
    Tensor b = Tensor.zeros(1).requiresGrad(true);
    double first = 0;
    double last = 0;
    for (int epoch = 0; epoch < 200; epoch++) {
      try (MemoryScope ignored = MemoryScope.open()) {
        Tensor p = x.matmul(w).add(b).sigmoid().clamp(1e-7, 1 - 1e-7);
        // binary cross-entropy: -mean(y log p + (1 - y) log(1 - p))
        Tensor loss = y.mul(p.log()).add(y.rsub(1.0).mul(p.rsub(1.0).log())).mean().neg();
        loss.backward();
        sgdStep(List.of(w, b), 0.5);
        last = loss.item();
        if (epoch == 0) {
          first = last;
        }
      }
    }
    Tensor predicted = x.matmul(w).add(b).gt(0.0);
    double accuracy = predicted.eq(y).mean().item();
    assertTrue(last < 0.5 * first, "loss fell from " + first + " to " + last);
    assertTrue(accuracy > 0.85, "accuracy " + accuracy);
  }

  @Test
  void twoLayerMlpLearnsXor() {
    // XOR with noise: not linearly separable, needs the hidden layer.
    int n = 256;
    SplittableRandom r = new SplittableRandom(3);
    float[] xs = new float[n * 2];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int a = i % 2;
      int c = (i / 2) % 2;
      xs[2 * i] = (float) (a * 2 - 1 + 0.2 * r.nextGaussian());
      xs[2 * i + 1] = (float) (c * 2 - 1 + 0.2 * r.nextGaussian());
      labels[i] = a ^ c;
    }
    float[] onehot = new float[n * 2];
    for (int i = 0; i < n; i++) {
      onehot[2 * i + labels[i]] = 1;
    }
    Tensor x = Tensor.of(xs, n, 2);
    Tensor target = Tensor.of(onehot, n, 2);
    Generator g = new Generator(42);
    Tensor w1 = Tensor.uniform(g, -1, 1, 2, 8).requiresGrad(true);
    Tensor b1 = Tensor.zeros(8).requiresGrad(true);
    Tensor w2 = Tensor.uniform(g, -0.5, 0.5, 8, 2).requiresGrad(true);
    Tensor b2 = Tensor.zeros(2).requiresGrad(true);
    double first = 0;
    double last = 0;
    for (int epoch = 0; epoch < 300; epoch++) {
      try (MemoryScope ignored = MemoryScope.open()) {
        Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
        Tensor loss = logits.logSoftmax(1).mul(target).sum(1, false).mean().neg();
        loss.backward();
        sgdStep(List.of(w1, b1, w2, b2), 0.5);
        last = loss.item();
        if (epoch == 0) {
          first = last;
        }
      }
    }
    Tensor predicted = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).argmax(1, false);
    int[] p = predicted.toIntArray();
    int correct = 0;
    for (int i = 0; i < n; i++) {
      correct += p[i] == labels[i] ? 1 : 0;
    }
    assertTrue(last < 0.2 * first, "loss fell from " + first + " to " + last);
    assertTrue(correct >= 0.95 * n, "accuracy " + correct + "/" + n);
  }
}
