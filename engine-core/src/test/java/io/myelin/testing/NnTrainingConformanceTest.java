package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.loss.BCEWithLogitsLoss;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.loss.Loss;
import io.myelin.loss.MSELoss;
import io.myelin.loss.Penalty;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Models built from the nn modules and trained with the losses by a plain gradient step {@code w <-
 * w - lr * grad} (no optimizer class): XOR, the course's regularisation numbers.
 */
public abstract class NnTrainingConformanceTest extends DeviceTestBase {

  private static void step(Layer model, double lr) {
    try (var ignored = Autograd.noGrad()) {
      for (Tensor p : model.parameters()) {
        p.assign(p.sub(p.grad().mul(lr)));
      }
    }
    model.zeroGrad();
  }

  /** The four XOR points and their labels. */
  private static final float[] XOR_X = {0, 0, 0, 1, 1, 0, 1, 1};

  private static final int[] XOR_Y = {0, 1, 1, 0};

  private static double train(Layer model, Loss loss, Tensor x, Tensor y, int epochs, double lr) {
    double last = Double.NaN;
    for (int epoch = 0; epoch < epochs; epoch++) {
      try (MemoryScope ignored = MemoryScope.open()) {
        Tensor l = loss.forward(model.forward(x), y);
        l.backward();
        step(model, lr);
        last = l.item();
      }
    }
    return last;
  }

  @Test
  void xorIsLearnedByA241MlpWithBinaryCrossEntropy() {
    Generator g = new Generator(2024);
    Sequential model =
        new Sequential(
            new Linear(2, 4, true, g), ActivationLayer.tanh(), new Linear(4, 1, true, g));
    Tensor x = Tensor.of(XOR_X, 4, 2);
    Tensor y = Tensor.of(new float[] {0, 1, 1, 0}, 4, 1);
    double loss = train(model, new BCEWithLogitsLoss(), x, y, 3000, 0.5);
    float[] out = model.forward(x).sigmoid().toFloatArray();
    for (int i = 0; i < 4; i++) {
      assertEquals(XOR_Y[i], out[i] > 0.5 ? 1 : 0, "XOR " + i + ": p=" + out[i] + ", loss " + loss);
    }
    assertTrue(loss < 0.05, "final loss " + loss);
  }

  @Test
  void xorIsLearnedByA282MlpWithCrossEntropy() {
    Generator g = new Generator(7);
    Sequential model =
        new Sequential(
            new Linear(2, 8, true, g), ActivationLayer.relu(), new Linear(8, 2, true, g));
    Tensor x = Tensor.of(XOR_X, 4, 2);
    Tensor y = Tensor.ofInts(XOR_Y, 4);
    double loss = train(model, new CrossEntropyLoss(), x, y, 1500, 0.5);
    int[] predicted = model.forward(x).argmax(1, false).toIntArray();
    for (int i = 0; i < 4; i++) {
      assertEquals(XOR_Y[i], predicted[i], "XOR " + i + ", loss " + loss);
    }
    assertTrue(loss < 0.05, "final loss " + loss);
  }

  @Test
  void anMlpWithBatchNormAndDropoutTrainsAndEvaluates() {
    Generator g = new Generator(11);
    int n = 64;
    float[] xs = new float[n * 2];
    float[] ys = new float[n];
    double[] u = randomDoubles(5, n * 2, -1, 1);
    for (int i = 0; i < n; i++) {
      xs[2 * i] = (float) u[2 * i];
      xs[2 * i + 1] = (float) u[2 * i + 1];
      ys[i] = (float) (u[2 * i] * u[2 * i + 1] > 0 ? 1 : 0);
    }
    Sequential model =
        new Sequential(
            new Linear(2, 16, true, g),
            new BatchNorm1d(16),
            ActivationLayer.relu(),
            new Dropout(0.1, g),
            new Linear(16, 1, true, g));
    Tensor x = Tensor.of(xs, n, 2);
    Tensor y = Tensor.of(ys, n, 1);
    double first = new BCEWithLogitsLoss().forward(model.forward(x), y).item();
    model.zeroGrad();
    double last = train(model, new BCEWithLogitsLoss(), x, y, 400, 0.3);
    assertTrue(last < 0.6 * first, "loss fell from " + first + " to " + last);
    model.eval();
    double correct = model.forward(x).gt(0.0).eq(y).mean().item();
    assertTrue(correct > 0.85, "eval accuracy " + correct);
  }

  @Test
  void courseRegularisationExampleGivesItsNumbers() {
    // W = 0.5, dL/dW = 0.1 (L = 0.1 W), learning rate 0.01, lambda 0.1.
    double lr = 0.01;
    double lambda = 0.1;
    assertEquals(0.499, oneStep(null, lr), 1e-15, "no regularisation");
    assertEquals(0.4985, oneStep(Penalty.l2(lambda), lr), 1e-15, "L2: lambda/2 sum w^2");
    assertEquals(0.498, oneStep(Penalty.l1(lambda), lr), 1e-15, "L1: lambda sum |w|");
    // Elastic net adds both gradients: 0.5 - 0.01 (0.1 + 0.05 + 0.1).
    assertEquals(0.4975, oneStep(Penalty.elasticNet(lambda, lambda), lr), 1e-15, "elastic net");
  }

  private static double oneStep(Penalty penalty, double lr) {
    Tensor w = Tensor.of(new double[] {0.5}, 1).requiresGrad(true);
    Tensor loss = w.mul(0.1).sum();
    if (penalty != null) {
      loss = loss.add(penalty.apply(List.of(w)));
    }
    loss.backward();
    try (var ignored = Autograd.noGrad()) {
      w.assign(w.sub(w.grad().mul(lr)));
    }
    return w.item();
  }

  @Test
  void penaltiesMatchTheirFormulasAndPassGradCheck() {
    double[] a = randomDoubles(1, 12, -2, 2);
    double[] b = randomDoubles(2, 5, -2, 2);
    double abs = 0;
    double sq = 0;
    for (double[] v : List.of(a, b)) {
      for (double d : v) {
        abs += Math.abs(d);
        sq += d * d;
      }
    }
    Tensor ta = Tensor.of(a, 3, 4);
    Tensor tb = Tensor.of(b, 5);
    assertEquals(
        0.3 * abs + 0.2 / 2 * sq,
        Penalty.elasticNet(0.3, 0.2).apply(List.of(ta, tb)).item(),
        1e-12);
    assertEquals(0.0, Penalty.l2(0).apply(List.of(ta)).item());
    NnChecks.assertGrad(
        "elastic net",
        in -> Penalty.elasticNet(0.3, 0.2).apply(List.of(in[0], in[1])),
        Tensor.of(NnChecks.awayFrom(a, 0.02, 0), 3, 4),
        Tensor.of(NnChecks.awayFrom(b, 0.02, 0), 5));
    // A penalty added to a module's loss reaches every parameter.
    Linear fc = new Linear(3, 2, true, new Generator(1));
    fc.to(DType.FLOAT64);
    Tensor x = Tensor.of(randomDoubles(3, 6, -1, 1), 2, 3);
    Tensor y = Tensor.of(randomDoubles(4, 4, -1, 1), 2, 2);
    var r =
        io.myelin.autograd.GradCheck.checkParameters(
            () ->
                new MSELoss()
                    .forward(fc.forward(x), y)
                    .add(Penalty.l2(0.5).apply(List.of(fc.weight()))),
            fc.parameters(),
            1e-6,
            1e-6);
    assertTrue(r.passed(), r.toString());
  }
}
