package io.myelin.bench;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.MemoryStats;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Activation;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.train.TrainingStep;
import java.lang.management.ManagementFactory;

/**
 * Heap bytes one training step allocates on the calling thread in steady state, for the MNIST-shape
 * MLP (784-512-256-10, ReLU, Adam, batch 128, CPU), and the backend's array count: after warm-up
 * the CPU backend's array pool means no new storage array, so what is left is the small objects of
 * the tensor layer (tensors, layouts, autograd nodes, closures). Three ways of running the same
 * step: the plain loop (forward, backward, {@code adam.step()}), {@link TrainingStep} eager, and
 * {@link TrainingStep} replaying a captured graph (the CPU backend records its calls: what is left
 * per step is the replay's closures and the batch copy). Usage: {@code StepAllocation [steps]}.
 */
public final class StepAllocation {
  private StepAllocation() {}

  public static void main(String[] args) {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().threadId();
    Generator g = new Generator(1);
    Sequential model = new Sequential();
    model.add(new Linear(784, 512, true, g));
    model.add(Activation.byName("relu").layer());
    model.add(new Linear(512, 256, true, g));
    model.add(Activation.byName("relu").layer());
    model.add(new Linear(256, 10, true, g));
    Tensor x = Tensor.rand(g, 128, 784).persist();
    int[] labels = new int[128];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 10;
    }
    Tensor y = Tensor.ofInts(labels, 128).persist();
    CrossEntropyLoss ce = new CrossEntropyLoss();
    for (String mode : new String[] {"plain loop", "TrainingStep eager", "TrainingStep graphs"}) {
      try (Adam adam = new Adam(model.parameters(), Adam.Options.defaults().withLr(1e-3));
          TrainingStep ts = TrainingStep.create(model, ce, adam, mode.endsWith("graphs"))) {
        Runnable step =
            mode.startsWith("plain")
                ? () -> {
                  try (var scope = MemoryScope.open()) {
                    adam.zeroGrad();
                    ce.forward(model.forward(x), y).backward();
                    adam.step();
                  }
                }
                : () -> ts.run(x, y);
        for (int i = 0; i < 100; i++) {
          step.run(); // warm-up: JIT, pool, optimizer state
        }
        var backend = DeviceManager.global().backend(x.device());
        MemoryStats before = backend.memoryStats();
        long bytes0 = bean.getThreadAllocatedBytes(self);
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          step.run();
        }
        long t1 = System.nanoTime();
        long bytes = bean.getThreadAllocatedBytes(self) - bytes0;
        MemoryStats after = backend.memoryStats();
        System.out.printf(
            "%-20s %d steps: %.1f KiB allocated per step on the calling thread, %d"
                + " new storage arrays in all (%d before), %.2f ms per step%n",
            mode,
            steps,
            bytes / 1024.0 / steps,
            after.systemAllocations() - before.systemAllocations(),
            before.systemAllocations(),
            (t1 - t0) / 1e6 / steps);
      }
    }
  }
}
