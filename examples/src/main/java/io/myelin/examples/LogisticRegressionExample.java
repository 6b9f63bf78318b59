package io.myelin.examples;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.memory.MemoryScope;
import java.util.List;

/** The README's first example: logistic regression on a synthetic set, by hand with autograd. */
public final class LogisticRegressionExample {
  private LogisticRegressionExample() {}

  /** Trains and returns the training accuracy. */
  public static double run() {
    // spotless:off (the README shows this block verbatim, aligned comments included)
    // README-EXAMPLE-START
    Generator gen = new Generator(0);
    Tensor x = Tensor.randn(gen, 500, 2);                 // 500 points in the plane
    Tensor y = x.sum(1, true).gt(0.0);                    // label: 1 when x0 + x1 > 0
    Tensor w = Tensor.zeros(2, 1).requiresGrad(true);
    Tensor b = Tensor.zeros(1).requiresGrad(true);
    for (int epoch = 0; epoch < 100; epoch++) {
      try (var scope = MemoryScope.open()) {              // frees this step's tensors
        Tensor p = x.matmul(w).add(b).sigmoid().clamp(1e-6, 1 - 1e-6);
        Tensor loss = y.mul(p.log()).add(y.rsub(1).mul(p.rsub(1).log())).mean().neg();
        loss.backward();                                  // fills w.grad() and b.grad()
        try (var noGrad = Autograd.noGrad()) {            // plain gradient descent, lr 0.5
          for (Tensor t : List.of(w, b)) {
            t.assign(t.sub(t.grad().mul(0.5)));
            t.zeroGrad();
          }
        }
        if (epoch % 20 == 0) {
          System.out.printf("epoch %3d  loss %.4f%n", epoch, loss.item());
        }
      }
    }
    double accuracy = x.matmul(w).add(b).gt(0.0).eq(y).mean().item();
    System.out.printf("training accuracy %.3f%n", accuracy);
    // README-EXAMPLE-END
    // spotless:on
    return accuracy;
  }

  public static void main(String[] args) {
    run();
  }
}
